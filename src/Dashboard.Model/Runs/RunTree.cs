namespace Dashboard.Model.Runs;

/// <summary>
/// A run and the runs it started, down to the depth asked for. <see cref="ChildCount"/> counts every child the reader
/// may see, also when <see cref="Children"/> holds none of them (beyond the depth read) or only the first ones.
/// </summary>
public sealed record RunTreeNode
{
    /// <summary>The run's record without its payloads (input, result, metadata): a tree of hundreds of runs stays small.</summary>
    public required RunRecord Run { get; init; }
    public IReadOnlyList<RunTreeNode> Children { get; init; } = [];
    public int ChildCount { get; init; }

    /// <summary>Whether this run or one below it (of those read) failed or timed out: the branch to follow.</summary>
    public bool IsFailingBranch => Run.Status is RunStatus.Failed or RunStatus.Timeout || Children.Any(c => c.IsFailingBranch);

    /// <summary>This run's cost and that of every descendant read (each once).</summary>
    public decimal? SubtreeCostUsd => Children.Aggregate(Run.CostUsd, (sum, child) => child.SubtreeCostUsd is { } cost ? (sum ?? 0) + cost : sum);

    /// <summary>Whether children exist that were not read (deeper than asked, or past the per-run limit).</summary>
    public bool HasUnreadChildren => ChildCount > Children.Count;
}
