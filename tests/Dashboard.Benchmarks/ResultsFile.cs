using Dashboard.Testing;

namespace Dashboard.Benchmarks;

/// <summary>
/// Writes a benchmark's new table to its file under results/ without losing what the file already says. The readings
/// written by hand under a table (pairs with the commit before, profiles, what was tried and not kept) are most of what
/// these files are for, and a benchmark that wrote its table over the whole file cut them each time it ran: they had to
/// be put back by hand, and once were not (results/live.md from cc7f628 until 2026-12-07 11:01). Now the new table goes
/// on top, the table it replaces goes below it (so before and after stay side by side), and the readings after them.
/// </summary>
internal static class ResultsFile
{
    // Ends the part a benchmark writes; everything after it is kept as it is.
    internal const string Marker = "<!-- The benchmark writes the table above. What follows is kept when it writes a new one. -->";

    public static async Task WriteAsync(string fileName, string report)
    {
        var path = Path.Combine(RepoPaths.Root, "tests", "Dashboard.Benchmarks", "results", fileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var before = File.Exists(path) ? await File.ReadAllTextAsync(path) : null;
        await File.WriteAllTextAsync(path, Merge(report, before));
    }

    /// <summary>The file's new text: the new report, the marker, the report it replaces (its title left out), then the readings.</summary>
    internal static string Merge(string report, string? before)
    {
        var text = report.TrimEnd() + "\n\n" + Marker + "\n";
        if (string.IsNullOrWhiteSpace(before))
        {
            return text;
        }
        var at = before.IndexOf(Marker, StringComparison.Ordinal);
        // A file from before the marker: all of it is the table before and its readings.
        var previous = WithoutTitle(at < 0 ? before : before[..at]).Trim();
        var readings = at < 0 ? "" : before[(at + Marker.Length)..].Trim();
        if (previous.Length > 0)
        {
            text += "\n**An earlier table, as the benchmark wrote it:**\n\n" + previous + "\n";
        }
        if (readings.Length > 0)
        {
            text += "\n" + readings + "\n";
        }
        return text;
    }

    private static string WithoutTitle(string text) =>
        text.TrimStart().StartsWith("# ", StringComparison.Ordinal) && text.TrimStart().IndexOf('\n') is var end and > 0
            ? text.TrimStart()[(end + 1)..]
            : text;
}
