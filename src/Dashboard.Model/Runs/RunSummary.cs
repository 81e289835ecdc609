namespace Dashboard.Model.Runs;

/// <summary>High-level metadata of a run, as the run-trace SDK's <c>RunSummary</c> (seed 001) names it.</summary>
public sealed record RunSummary
{
    public required string Id { get; init; }
    public required string FlowId { get; init; }
    public RunStatus Status { get; init; }
    public string? TriggerType { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public long? DurationMs { get; init; }
    public int? StepCount { get; init; }
}
