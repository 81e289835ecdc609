namespace Dashboard.Model.Runs;

/// <summary>
/// Run, step and workflow ids: 1-256 characters, none of them a control character, and not <c>.</c> or <c>..</c> (which
/// a URL cannot carry as a path segment: every client folds them away). Anything else printable is allowed
/// (<c>orders/1234</c>, spaces, <c>%</c>, unicode), so every URL that carries an id escapes it as one path segment.
/// </summary>
public static class Ids
{
    public const int MaxLength = 256;

    public static bool IsValid(string? id) => Problem(id) is null;

    /// <summary>What is wrong with an id, in words that finish "The id …"; null when it is fine.</summary>
    public static string? Problem(string? id)
    {
        if (id is null || id.Length is 0 or > MaxLength)
        {
            return $"must be 1-{MaxLength} characters (got {id?.Length ?? 0})";
        }
        if (id is "." or "..")
        {
            return "must not be \".\" or \"..\" (a URL cannot carry them)";
        }
        foreach (var c in id)
        {
            if (char.IsControl(c))
            {
                return "must not contain control characters";
            }
        }
        return null;
    }

    /// <summary>
    /// <see cref="Problem"/>, and for an id not stored yet also Unicode's bidirectional embeddings, overrides and isolates
    /// (U+202A-U+202E, U+2066-U+2069): inert as text, they still reorder what a screen shows, so that an id ending
    /// "gnp.exe" after U+202E displays as "exe.png". Ids already stored keep being read (and replayed) as they are.
    /// </summary>
    public static string? ProblemOfNew(string? id) => Problem(id) ?? ReorderingProblem(id!);

    /// <summary>The first character of <paramref name="text"/> that reorders how the rest displays, described; null when none.</summary>
    public static string? ReorderingProblem(string text)
    {
        foreach (var c in text)
        {
            if (IsReordering(c))
            {
                return $"must not contain U+{(int)c:X4} (a bidirectional control: it makes an id display as another)";
            }
        }
        return null;
    }

    /// <summary>A bidirectional embedding, override or isolate (or the end of one).</summary>
    public static bool IsReordering(char c) => c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069';
}
