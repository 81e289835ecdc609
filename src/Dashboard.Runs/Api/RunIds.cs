namespace Dashboard.Runs.Api;

/// <summary>Run and workflow ids: 1-200 characters, no control characters (run-events.md).</summary>
public static class RunIds
{
    public static bool IsValid(string? id) => id is { Length: > 0 and <= 200 } && !id.Any(char.IsControl);
}
