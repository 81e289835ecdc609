namespace Dashboard.Model.Runs;

/// <summary>
/// A short label that the fleet's views use as a key (a step's <c>modelUsed</c>, a run's <c>triggerType</c>): at most
/// 256 characters, none of them a control character. Such labels are keys of aggregates, filters and table cells, so a
/// megabyte or a multi-line "label" is refused where it comes in.
/// </summary>
public static class Labels
{
    public const int MaxLength = 256;

    /// <summary>What is wrong with a label, in words that finish "&lt;field&gt; …"; null when it is fine (or absent).</summary>
    public static string? Problem(string? label)
    {
        if (label is null)
        {
            return null;
        }
        if (label.Length > MaxLength)
        {
            return $"must be at most {MaxLength} characters (got {label.Length})";
        }
        foreach (var c in label)
        {
            if (char.IsControl(c))
            {
                return "must not contain control characters";
            }
        }
        return null;
    }
}
