using System.Globalization;
using System.Text.RegularExpressions;
using Dashboard.Model.Json;

namespace Dashboard.Runs.Search;

/// <summary>
/// A validated <c>GET /api/search</c>: the words or quoted phrases to find (all of them, in one payload), the filters, the
/// cursor (the last hit's document id) and the page size.
/// </summary>
internal sealed partial record SearchRequest(IReadOnlyList<string> Terms, string? WorkflowId, DateTimeOffset? From, DateTimeOffset? To,
    long? Before, int Limit, IReadOnlySet<string>? AllowedWorkflows)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
    public const int MaxQueryLength = 200;
    public const int MaxTerms = 8;

    public static (SearchRequest? Request, string? Error) Parse(IQueryCollection query, IReadOnlySet<string>? allowedWorkflows)
    {
        var text = query["q"].ToString();
        if (text.Length > MaxQueryLength)
        {
            return (null, $"q is at most {MaxQueryLength} characters.");
        }
        var terms = TermsOf(text);
        if (terms.Count == 0)
        {
            return (null, "q must contain a word or number to search for.");
        }
        if (terms.Count > MaxTerms)
        {
            return (null, $"q has at most {MaxTerms} words or quoted phrases.");
        }
        DateTimeOffset? from = null, to = null;
        if (query["from"].ToString() is { Length: > 0 } fromText)
        {
            if (!Rfc3339DateTimeOffsetConverter.TryParse(fromText, out var parsed))
            {
                return (null, "from must be an RFC 3339 timestamp with an offset.");
            }
            from = parsed;
        }
        if (query["to"].ToString() is { Length: > 0 } toText)
        {
            if (!Rfc3339DateTimeOffsetConverter.TryParse(toText, out var parsed))
            {
                return (null, "to must be an RFC 3339 timestamp with an offset.");
            }
            to = parsed;
        }
        long? before = null;
        if (query["cursor"].ToString() is { Length: > 0 } cursor)
        {
            if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < 1)
            {
                return (null, "cursor is not one this API gave (use nextCursor of the previous page).");
            }
            before = id;
        }
        var limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } limitText && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            return (null, $"limit must be a whole number from 1 to {MaxLimit}.");
        }
        var workflowId = query["workflowId"].ToString();
        return (new SearchRequest(terms, workflowId.Length == 0 ? null : workflowId, from, to, before, limit, allowedWorkflows), null);
    }

    /// <summary>
    /// The words of a query: each whitespace-separated word, or a "quoted phrase" whose words must follow one another.
    /// A term without a letter or a digit matches nothing in a word index, so it is dropped.
    /// </summary>
    public static IReadOnlyList<string> TermsOf(string text)
    {
        var terms = new List<string>();
        foreach (Match match in TermPattern().Matches(text))
        {
            var term = (match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value).Trim();
            if (term.Any(char.IsLetterOrDigit))
            {
                terms.Add(term);
            }
        }
        return terms;
    }

    [GeneratedRegex("\"([^\"]*)\"?|(\\S+)")]
    private static partial Regex TermPattern();
}
