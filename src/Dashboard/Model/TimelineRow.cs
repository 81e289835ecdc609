using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;

namespace Dashboard.Model;

public enum TimelineRowKind
{
    Step,
    LoopGroup,
    Iteration,

    /// <summary>A child run unfolded under the step that started it (or, with no run id, how many more there are).</summary>
    ChildRun,

    /// <summary>A step of an unfolded child run, on the parent's time axis.</summary>
    ChildStep,
}

/// <summary>One bar of an attempt on the run's time axis, in milliseconds from the run's start.</summary>
public sealed record AttemptBar(int Attempt, StepStatus Status, double StartMs, double EndMs, bool Open);

/// <summary>
/// A row of the step timeline: a step, a loop (folded iterations), one iteration of it, or an unfolded child run and
/// its steps.
/// </summary>
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

    /// <summary>For a step: how many child runs it started (the row can unfold them).</summary>
    public int ChildRuns { get; init; }

    /// <summary>For a child run's rows: the child run (null on the row that counts the children not shown).</summary>
    public string? ChildRunId { get; init; }

    public bool IsChild => Kind is TimelineRowKind.ChildRun or TimelineRowKind.ChildStep;

    public StepKey Key => new(StepId, LoopIndex);
}
