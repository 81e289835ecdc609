using System.Text.Json.Serialization;
using Dashboard.Model.Json;

namespace Dashboard.Model.Runs;

/// <summary>
/// One entry of the all-runs feed: a run's list-level state after a batch of its events, small enough to stream for
/// every change. <see cref="Offset"/> is the position of that run's own stream.
/// </summary>
public sealed record RunChange
{
    public required string RunId { get; init; }
    public required string WorkflowId { get; init; }
    public string? WorkflowName { get; init; }
    public RunStatus Status { get; init; }
    public string? TriggerType { get; init; }
    public string? ParentRunId { get; init; }
    public string? ExperimentId { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public long? DurationMs { get; init; }
    public int StepCount { get; init; }
    public long TotalTokens { get; init; }

    [JsonConverter(typeof(DecimalStringConverter))]
    public decimal? CostUsd { get; init; }

    public string? ErrorMessage { get; init; }
    public string? Offset { get; init; }

    /// <summary>The feed's own offset of this entry; set when served.</summary>
    public string? FeedOffset { get; init; }

    public static RunChange From(RunRecord record, string? offset) => new()
    {
        RunId = record.Id,
        WorkflowId = record.WorkflowId,
        WorkflowName = record.WorkflowName,
        Status = record.Status,
        TriggerType = record.TriggerType,
        ParentRunId = record.ParentRunId,
        ExperimentId = record.ExperimentId,
        StartedAt = record.StartedAt,
        CompletedAt = record.CompletedAt,
        DurationMs = record.DurationMs,
        StepCount = record.StepCount,
        TotalTokens = record.TotalTokens,
        CostUsd = record.CostUsd,
        ErrorMessage = record.Error?.Message,
        Offset = offset,
    };
}
