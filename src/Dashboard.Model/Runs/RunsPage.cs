namespace Dashboard.Model.Runs;

/// <summary>One page of the executions list, with the status counts of the whole filter (not just the page).</summary>
public sealed record RunsPage
{
    public required IReadOnlyList<RunRecord> Items { get; init; }

    /// <summary>Opaque keyset cursor of the next page; null on the last page.</summary>
    public string? NextCursor { get; init; }

    public IReadOnlyDictionary<string, int> StatusCounts { get; init; } = new Dictionary<string, int>();

    public static RunsPage Empty { get; } = new() { Items = [] };
}
