using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Dashboard.Model.Runs;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// A span's name as a step or workflow id, and as a name to show. Span names are made by instrumentation, sometimes from
/// what a model wrote (a tool's name) or from a query's text, and the run's ids may not hold control characters,
/// bidirectional controls or more than <see cref="Ids.MaxLength"/> characters: a name that broke those rules refused its
/// whole trace. Here such characters are dropped and the id cut, so the trace becomes a run.
/// </summary>
internal static class SpanNames
{
    // "~" and 8 hex digits of the whole name's hash.
    private const int SuffixLength = 9;

    /// <summary>
    /// The name itself when an id may hold it. Otherwise what is left of it, cut, with a suffix from a hash of the whole
    /// name: two names that differ only in what was dropped or cut (two queries with the same first 256 characters) stay
    /// two steps, where they would otherwise become one step's loop iterations. The same name always gives the same id,
    /// so a step's spans in later exports join it.
    /// </summary>
    public static string AsId(string name)
    {
        var shown = AsName(name);
        if (shown.Length == name.Length && name.Length <= Ids.MaxLength && name is not ("" or "." or ".."))
        {
            return name;
        }
        if (shown is "" or "." or "..")
        {
            shown = "span";
        }
        var room = Ids.MaxLength - SuffixLength;
        if (shown.Length > room)
        {
            shown = shown[..(char.IsLowSurrogate(shown[room]) ? room - 1 : room)];
        }
        // Over the name's UTF-16 code units, so that names with unpaired surrogates hash apart as well.
        var hash = SHA256.HashData(MemoryMarshal.AsBytes(name.AsSpan()));
        return $"{shown}~{Convert.ToHexStringLower(hash, 0, 4)}";
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
