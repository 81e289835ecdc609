using Dashboard.Model.Runs;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// A span's name as a step or workflow id, and as a name to show. Span names are made by instrumentation, sometimes from
/// what a model wrote (a tool's name), and the run's ids may not hold control characters, bidirectional controls or more
/// than <see cref="Ids.MaxLength"/> characters: a name that broke those rules refused its whole trace. Here such
/// characters are dropped and the id cut, so the trace becomes a run.
/// </summary>
internal static class SpanNames
{
    /// <summary>The name with nothing an id may not hold; "span" for a name that held nothing else.</summary>
    public static string AsId(string name)
    {
        var shown = AsName(name);
        if (shown.Length > Ids.MaxLength)
        {
            var cut = char.IsLowSurrogate(shown[Ids.MaxLength]) ? Ids.MaxLength - 1 : Ids.MaxLength;
            shown = shown[..cut];
        }
        return shown is "" or "." or ".." ? "span" : shown;
    }

    /// <summary>The name without control characters and bidirectional controls (they would make it display as another).</summary>
    public static string AsName(string name)
    {
        if (!name.Any(Dropped))
        {
            return name;
        }
        return string.Concat(name.Where(c => !Dropped(c)));
    }

    private static bool Dropped(char c) => char.IsControl(c) || Ids.IsReordering(c);
}
