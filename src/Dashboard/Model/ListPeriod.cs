namespace Dashboard.Model;

/// <summary>
/// A period of the executions list as its URL names it (<c>?range=24h</c>, or <c>?range=custom&amp;from=…&amp;to=…</c>):
/// what a link from the overview carries, so that the runs it lists are those of the period the overview counted.
/// </summary>
public sealed record ListPeriod(string Range, DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    /// <summary>The query parameters of the period, in the list's own names.</summary>
    public IEnumerable<string> ToQuery()
    {
        yield return "range=" + Uri.EscapeDataString(Range);
        if (From is { } from)
        {
            yield return "from=" + Uri.EscapeDataString(Json.Rfc3339DateTimeOffsetConverter.Format(from));
        }
        if (To is { } to)
        {
            yield return "to=" + Uri.EscapeDataString(Json.Rfc3339DateTimeOffsetConverter.Format(to));
        }
    }
}
