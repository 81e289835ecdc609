namespace Dashboard.Model.Runs;

/// <summary>Every attempt of one step (in one loop iteration), ordered by attempt number (seed 001, <c>attempt=all</c>).</summary>
public sealed record StepAttempts
{
    public required string StepId { get; init; }
    public int? LoopIndex { get; init; }
    public required IReadOnlyList<StepTrace> Attempts { get; init; }
}
