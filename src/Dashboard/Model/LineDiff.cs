namespace Dashboard.Model;

public enum DiffKind
{
    Same,
    Removed,
    Added,
}

public sealed record DiffLine(DiffKind Kind, string Text);

/// <summary>
/// A line diff (longest common subsequence) of two texts, for comparing two attempts' payloads. Inputs past
/// <see cref="MaxLines"/> lines are compared on their first lines only, and the result says so.
/// </summary>
public static class LineDiff
{
    public const int MaxLines = 2_000;

    public sealed record Result(IReadOnlyList<DiffLine> Lines, bool Truncated)
    {
        public int Changes => Lines.Count(l => l.Kind != DiffKind.Same);
    }

    public static Result Compare(string? left, string? right)
    {
        var a = Split(left);
        var b = Split(right);
        var truncated = a.Length > MaxLines || b.Length > MaxLines;
        a = a.Take(MaxLines).ToArray();
        b = b.Take(MaxLines).ToArray();

        // lcs[i, j]: length of the longest common subsequence of a[i..] and b[j..].
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }
        var lines = new List<DiffLine>(a.Length + b.Length);
        int x = 0, y = 0;
        while (x < a.Length && y < b.Length)
        {
            if (a[x] == b[y])
            {
                lines.Add(new DiffLine(DiffKind.Same, a[x]));
                x++;
                y++;
            }
            else if (lcs[x + 1, y] >= lcs[x, y + 1])
            {
                lines.Add(new DiffLine(DiffKind.Removed, a[x++]));
            }
            else
            {
                lines.Add(new DiffLine(DiffKind.Added, b[y++]));
            }
        }
        lines.AddRange(a.Skip(x).Select(t => new DiffLine(DiffKind.Removed, t)));
        lines.AddRange(b.Skip(y).Select(t => new DiffLine(DiffKind.Added, t)));
        return new Result(lines, truncated);
    }

    private static string[] Split(string? text) =>
        string.IsNullOrEmpty(text) ? [] : text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
}
