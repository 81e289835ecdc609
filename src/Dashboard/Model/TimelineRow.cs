using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;

namespace Dashboard.Model;

public enum TimelineRowKind
{
    Step,
    LoopGroup,
    Iteration,
}

/// <summary>One bar of an attempt on the run's time axis, in milliseconds from the run's start.</summary>
public sealed record AttemptBar(int Attempt, StepStatus Status, double StartMs, double EndMs, bool Open);

/// <summary>A row of the step timeline: a step, a loop (folded iterations), or one iteration of it.</summary>
public sealed record TimelineRow
{
    public required TimelineRowKind Kind { get; init; }
    public required string StepId { get; init; }
    public int? LoopIndex { get; init; }
    public required string Label { get; init; }
    public StepStatus Status { get; init; }
    public string? Model { get; init; }
    public int AttemptCount { get; init; }
    public IReadOnlyList<AttemptBar> Bars { get; init; } = [];
    public long? DurationMs { get; init; }

    /// <summary>For a loop group: how many iterations, and how many of them failed.</summary>
    public int Iterations { get; init; }
    public int FailedIterations { get; init; }

    public StepKey Key => new(StepId, LoopIndex);
}
