using System.Text.Json;
using Dashboard.Model.Runs;

namespace Dashboard.Model.Events;

public sealed record RunStarted : RunEvent
{
    public string? WorkflowId { get; init; }
    public string? WorkflowName { get; init; }
    public string? TriggerType { get; init; }
    public string? EventName { get; init; }
    public string? ParentRunId { get; init; }

    /// <summary>The parent's step that started this run (with <see cref="ParentRunId"/>): where the child hangs in its tree.</summary>
    public string? ParentStepId { get; init; }

    /// <summary>The run this one reruns (an engine acting on a <c>rerun</c> or <c>rerun_from_step</c> request).</summary>
    public string? RerunOf { get; init; }

    /// <summary>The control request this run answers (<see cref="Control.ControlRequest.RequestId"/>).</summary>
    public string? RequestId { get; init; }
    public string? RunnableId { get; init; }
    public string? RunnableKind { get; init; }
    public string? ExperimentId { get; init; }
    public string? ExperimentCandidateId { get; init; }
    public string? TelemetrySpanId { get; init; }
    public string? AccountId { get; init; }
    public string? UserId { get; init; }
    public int? StepCount { get; init; }
    public JsonElement? Input { get; init; }
    public JsonElement? Metadata { get; init; }
    public JsonElement? ColumnConfig { get; init; }
}

public sealed record RunWaiting : RunEvent
{
    public string? Reason { get; init; }
    public string? StepId { get; init; }
}

public sealed record RunResumed : RunEvent
{
    /// <summary>The <c>resume</c> request this answers, when the engine resumed on one.</summary>
    public string? RequestId { get; init; }
}

public sealed record RunCompleted : TerminalRunEvent
{
    public JsonElement? Result { get; init; }
}

public sealed record RunFailed : TerminalRunEvent
{
    public ErrorInfo? Error { get; init; }
}

public sealed record RunCancelled : TerminalRunEvent
{
    public string? Reason { get; init; }

    /// <summary>The <c>cancel</c> request this answers, when the engine cancelled on one.</summary>
    public string? RequestId { get; init; }
}

public sealed record RunTimedOut : TerminalRunEvent
{
    public ErrorInfo? Error { get; init; }
}

public sealed record LogEvent : RunEvent
{
    public string? Level { get; init; }
    public string? Message { get; init; }
    public string? StepId { get; init; }
    public int? Attempt { get; init; }
    public int? LoopIndex { get; init; }
}
