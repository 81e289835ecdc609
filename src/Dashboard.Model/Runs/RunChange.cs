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

    /// <summary>What this change was: the last event of the batch that is not a log line, when it happened, and its step.</summary>
    public string? Event { get; init; }
    public DateTimeOffset? At { get; init; }
    public string? StepId { get; init; }

    /// <summary>The loop iteration of that step, when it ran in a loop.</summary>
    public int? LoopIndex { get; init; }

    /// <summary>
    /// When the change is a step's failure (<c>step_failed</c>): its error's message and whether the engine retries it.
    /// The run's own <see cref="ErrorMessage"/> stays empty while the run goes on, so without these a feed shows a failed
    /// step with no error, under a run that reads "running".
    /// </summary>
    public string? StepError { get; init; }
    public bool? WillRetry { get; init; }

    /// <summary>
    /// The batch's other changes before <see cref="Event"/> (log lines aside), oldest first, at most
    /// <see cref="MaxEarlier"/> of the latest: engines send a step's completion and the next step's start in one batch, and
    /// without these a feed showed only the starts (and a run's failure without the step failure that caused it).
    /// </summary>
    public IReadOnlyList<FeedEvent>? Earlier { get; init; }

    /// <summary>How many changes of the batch before <see cref="Earlier"/> are not listed (a large batch).</summary>
    public int? EarlierLeftOut { get; init; }

    public const int MaxEarlier = 10;

    public string? Offset { get; init; }

    /// <summary>The run's stream offset before the batch: the batch's events are those from here to <see cref="Offset"/>.</summary>
    public string? FromOffset { get; init; }

    /// <summary>How many log lines the run had before the batch: its log lines are numbered on from here.</summary>
    public int? LogsBefore { get; init; }

    /// <summary>The feed's own offset of this entry; set when served.</summary>
    public string? FeedOffset { get; init; }

    /// <param name="record">The run as the batch left it.</param>
    /// <param name="offset">The run's stream offset after the batch.</param>
    /// <param name="batch">The events the batch added: the change is named after the last that is not a log line.</param>
    public static RunChange From(RunRecord record, string? offset, IReadOnlyList<Events.RunEvent>? batch = null)
    {
        var changes = batch?.Where(e => e is not Events.LogEvent).ToList() ?? [];
        var last = changes.LastOrDefault() ?? batch?.LastOrDefault();
        var earlier = changes.Count > 1 ? changes.GetRange(Math.Max(0, changes.Count - 1 - MaxEarlier), Math.Min(changes.Count - 1, MaxEarlier)) : [];
        var named = last is null ? null : FeedEvent.Of(last);
        return From(record, offset) with
        {
            Earlier = earlier.Count == 0 ? null : earlier.Select(FeedEvent.Of).ToList(),
            EarlierLeftOut = changes.Count - 1 > MaxEarlier ? changes.Count - 1 - MaxEarlier : null,
            Event = named?.Event,
            At = named?.At ?? record.LastEventAt,
            StepId = named?.StepId,
            LoopIndex = named?.LoopIndex,
            StepError = named?.StepError,
            WillRetry = named?.WillRetry,
        };
    }

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
        At = record.LastEventAt,
        Offset = offset,
    };
}

/// <summary>One change of a batch that is not the one its feed entry is named after (<see cref="RunChange.Earlier"/>).</summary>
public sealed record FeedEvent
{
    public required string Event { get; init; }
    public DateTimeOffset? At { get; init; }
    public string? StepId { get; init; }
    public int? LoopIndex { get; init; }
    public string? StepError { get; init; }
    public bool? WillRetry { get; init; }

    public static FeedEvent Of(Events.RunEvent e) => new()
    {
        Event = e.Type,
        At = e.Timestamp,
        StepId = (e as Events.StepEvent)?.StepId ?? (e as Events.RunWaiting)?.StepId,
        LoopIndex = (e as Events.StepEvent)?.LoopIndex,
        StepError = (e as Events.StepFailed)?.Error?.Message,
        WillRetry = (e as Events.StepFailed)?.WillRetry,
    };
}
