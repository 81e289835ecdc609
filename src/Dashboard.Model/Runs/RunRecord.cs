using System.Text.Json;
using System.Text.Json.Serialization;
using Dashboard.Model.Json;

namespace Dashboard.Model.Runs;

/// <summary>
/// The run record: every field of the seeds' run records (002's record, 001's summary, 004's execution header),
/// as the reducer derives it from the run's events.
/// </summary>
public sealed record RunRecord
{
    public required string Id { get; init; }
    public string WorkflowId { get; init; } = "";

    /// <summary>Seed 001's name for <see cref="WorkflowId"/>.</summary>
    public string FlowId => WorkflowId;
    public string? WorkflowName { get; init; }
    public RunStatus Status { get; init; }
    public string? TriggerType { get; init; }
    public string? EventName { get; init; }
    public string? ParentRunId { get; init; }

    /// <summary>The parent's step that started this run, when the engine said so.</summary>
    public string? ParentStepId { get; init; }

    /// <summary>The run this one reruns, when an engine started it on a rerun request.</summary>
    public string? RerunOf { get; init; }
    public string? RunnableId { get; init; }
    public string? RunnableKind { get; init; }
    public string? ExperimentId { get; init; }
    public string? ExperimentCandidateId { get; init; }
    public string? TelemetrySpanId { get; init; }
    public string? AccountId { get; init; }
    public string? UserId { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When execution finished: set for completed, failed, cancelled and timeout (002).</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Only for failed runs (002).</summary>
    public DateTimeOffset? FailedAt { get; init; }

    /// <summary>Wall-clock time from start to finish; absent while the run is not finished.</summary>
    public long? DurationMs { get; init; }

    /// <summary>Steps the engine announced, else distinct steps seen (a loop's iterations are one step, as in a flow's plan).</summary>
    public int StepCount { get; init; }

    public long PromptTokens { get; init; }
    public long CachedTokens { get; init; }
    public long CompletionTokens { get; init; }
    public long TotalTokens { get; init; }

    /// <summary>Every attempt of every step counts: retries cost money too.</summary>
    [JsonConverter(typeof(DecimalStringConverter))]
    public decimal? CostUsd { get; init; }

    public JsonElement? Input { get; init; }

    /// <summary>Null until the run completes with a result.</summary>
    public JsonElement? Result { get; init; }

    public ErrorInfo? Error { get; init; }
    public JsonElement? Metadata { get; init; }
    public JsonElement? ColumnConfig { get; init; }

    public string? WaitingReason { get; init; }
    public string? WaitingStepId { get; init; }

    /// <summary>When the run started waiting (its <c>run_waiting</c> event); null unless it is waiting.</summary>
    public DateTimeOffset? WaitingSince { get; init; }
    public string? CancelReason { get; init; }

    /// <summary>The step whose failure failed the run (its last failed attempt that was not going to be retried).</summary>
    public string? FailedStepId { get; init; }
    public int? FailedStepLoopIndex { get; init; }

    public DateTimeOffset? LastEventAt { get; init; }
    public int EventCount { get; init; }

    /// <summary>Fields cut to the snapshot limit (input, result, error.data), each with its original size.</summary>
    public IReadOnlyDictionary<string, long>? Truncated { get; init; }

    public RunSummary ToSummary() => new()
    {
        Id = Id,
        FlowId = WorkflowId,
        Status = Status,
        TriggerType = TriggerType,
        StartedAt = StartedAt,
        CompletedAt = CompletedAt,
        DurationMs = DurationMs,
        StepCount = StepCount,
    };
}
