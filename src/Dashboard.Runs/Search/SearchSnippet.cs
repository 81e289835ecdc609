using Dashboard.Model.Search;

namespace Dashboard.Runs.Search;

/// <summary>
/// The piece of a matched document a hit shows: a window around the first place a searched term appears, with every
/// appearance inside it located. Found by plain case-insensitive comparison of the terms as typed, which is what a
/// reader sees as "the match"; when the index matched words the text does not hold as typed (other punctuation
/// between them, accents), the window opens on the term's first word instead.
/// </summary>
public static class SearchSnippet
{
    public const int Before = 60;
    public const int Length = 200;

    public static (string Text, IReadOnlyList<TextMatch> Matches) Of(string body, IReadOnlyList<string> terms)
    {
        var first = FirstMatch(body, terms);
        var start = Math.Max(0, first - Before);
        var end = Math.Min(body.Length, start + Length);
        start = Math.Max(0, Math.Min(start, end - Length));
        // Not inside a surrogate pair: a snippet is text on its own.
        if (start > 0 && char.IsLowSurrogate(body[start]))
        {
            start++;
        }
        if (end < body.Length && char.IsLowSurrogate(body[end]))
        {
            end--;
        }
        var text = body[start..end];
        var matches = new List<TextMatch>();
        foreach (var term in terms.OrderByDescending(t => t.Length))
        {
            for (var at = text.IndexOf(term, StringComparison.OrdinalIgnoreCase); at >= 0; at = text.IndexOf(term, at + term.Length, StringComparison.OrdinalIgnoreCase))
            {
                // A longer term already marked this place (terms are taken longest first).
                if (!matches.Any(m => at < m.Start + m.Length && m.Start < at + term.Length))
                {
                    matches.Add(new TextMatch(at, term.Length));
                }
            }
        }
        matches.Sort((a, b) => a.Start.CompareTo(b.Start));
        return (start > 0 || end < body.Length ? Trimmed(text, start > 0, end < body.Length, matches) : (text, matches));
    }

    private static int FirstMatch(string body, IReadOnlyList<string> terms)
    {
        var first = int.MaxValue;
        foreach (var term in terms)
        {
            var at = body.IndexOf(term, StringComparison.OrdinalIgnoreCase);
            if (at < 0 && term.Split(' ', '_', '-', '.', ':', '/').FirstOrDefault(w => w.Any(char.IsLetterOrDigit)) is { } word)
            {
                at = body.IndexOf(word, StringComparison.OrdinalIgnoreCase);
            }
            if (at >= 0)
            {
                first = Math.Min(first, at);
            }
        }
        return first == int.MaxValue ? 0 : first;
    }

    // An ellipsis says the text goes on; the matches move with the text they mark.
    private static (string, IReadOnlyList<TextMatch>) Trimmed(string text, bool cutBefore, bool cutAfter, List<TextMatch> matches)
    {
        var shift = cutBefore ? 1 : 0;
        var shown = (cutBefore ? "…" : "") + text + (cutAfter ? "…" : "");
        return (shown, shift == 0 ? matches : matches.Select(m => m with { Start = m.Start + shift }).ToList());
    }
}
