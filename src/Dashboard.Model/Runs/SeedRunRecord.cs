using System.Text.Json;
using System.Text.Json.Serialization;
using Dashboard.Model.Errors;
using Dashboard.Model.Json;

namespace Dashboard.Model.Runs;

/// <summary>
/// The run record of seed 002 in that seed's own names (<c>GET /v1/runs/{runId}</c>, snake_case with
/// <see cref="ModelJson.SnakeCaseOptions"/>): every field is present, <c>null</c> where the run has no value.
/// Where the seed describes a field without naming it, the name is the obvious snake_case one (README lists them).
/// </summary>
public sealed record SeedRunRecord
{
    public required string Id { get; init; }
    public string? AccountId { get; init; }
    public string? UserId { get; init; }

    /// <summary>running, completed, failed, cancelled, timeout or waiting.</summary>
    public RunStatus Status { get; init; }

    /// <summary>Where the run is: what it waits for, which step failed it, how far it got.</summary>
    public required SeedRunState State { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>For completed, failed, cancelled and timeout runs.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>For failed runs only.</summary>
    public DateTimeOffset? FailedAt { get; init; }

    public string? ParentRunId { get; init; }

    /// <summary>The prompt, agent or flow that ran: the engine's <c>runnableId</c>, else the workflow.</summary>
    public string? RunnableId { get; init; }

    public string? ExperimentId { get; init; }
    public string? ExperimentCandidateId { get; init; }
    public string? TelemetrySpanId { get; init; }

    public long PromptTokens { get; init; }
    public long CachedTokens { get; init; }
    public long CompletionTokens { get; init; }

    /// <summary>Total cost in USD, every attempt counted (a decimal string, as money is everywhere on this API).</summary>
    [JsonConverter(typeof(DecimalStringConverter))]
    public decimal? Cost { get; init; }

    /// <summary>Partial while the run is going (tokens so far); null until it has any output or usage.</summary>
    public SeedRunResult? Result { get; init; }

    public SeedRunError? Error { get; init; }
    public JsonElement? Metadata { get; init; }

    public static SeedRunRecord From(RunRecord record) => new()
    {
        Id = record.Id,
        AccountId = record.AccountId,
        UserId = record.UserId,
        Status = record.Status,
        State = new SeedRunState
        {
            WorkflowId = record.WorkflowId,
            WorkflowName = record.WorkflowName,
            StartedAt = record.StartedAt,
            DurationMs = record.DurationMs,
            StepCount = record.StepCount,
            EventCount = record.EventCount,
            LastEventAt = record.LastEventAt,
            WaitingReason = record.WaitingReason,
            WaitingStepId = record.WaitingStepId,
            FailedStepId = record.FailedStepId,
            CancelReason = record.CancelReason,
        },
        CreatedAt = record.CreatedAt ?? record.StartedAt,
        CompletedAt = record.CompletedAt,
        FailedAt = record.FailedAt,
        ParentRunId = record.ParentRunId,
        RunnableId = record.RunnableId ?? record.WorkflowId,
        ExperimentId = record.ExperimentId,
        ExperimentCandidateId = record.ExperimentCandidateId,
        TelemetrySpanId = record.TelemetrySpanId,
        PromptTokens = record.PromptTokens,
        CachedTokens = record.CachedTokens,
        CompletionTokens = record.CompletionTokens,
        Cost = record.CostUsd,
        Result = record.Result is null && record.PromptTokens == 0 && record.CompletionTokens == 0
            ? null
            : new SeedRunResult
            {
                Output = record.Result,
                PromptTokens = record.PromptTokens,
                CachedTokens = record.CachedTokens,
                CompletionTokens = record.CompletionTokens,
            },
        Error = SeedRunError.From(record),
        Metadata = record.Metadata,
    };
}

/// <summary>Seed 002's <c>state</c>: "current state of the run".</summary>
public sealed record SeedRunState
{
    public string? WorkflowId { get; init; }
    public string? WorkflowName { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public long? DurationMs { get; init; }
    public int StepCount { get; init; }
    public int EventCount { get; init; }
    public DateTimeOffset? LastEventAt { get; init; }
    public string? WaitingReason { get; init; }
    public string? WaitingStepId { get; init; }
    public string? FailedStepId { get; init; }
    public string? CancelReason { get; init; }
}

/// <summary>Seed 002's <c>result</c>: the run's output with the token counts the seed names under it.</summary>
public sealed record SeedRunResult
{
    public JsonElement? Output { get; init; }
    public long PromptTokens { get; init; }
    public long CachedTokens { get; init; }
    public long CompletionTokens { get; init; }
}

/// <summary>A failed or timed-out run's error, with one of the seed's codes; the engine's own code is kept beside it.</summary>
public sealed record SeedRunError
{
    public required string Code { get; init; }
    public required string Message { get; init; }
    public string? Type { get; init; }
    public string? EngineCode { get; init; }
    public string? StepId { get; init; }

    private static readonly HashSet<string> SeedCodes =
    [
        ErrorCodes.InternalError, ErrorCodes.InvalidInput, ErrorCodes.ResourceNotFound,
        ErrorCodes.Timeout, ErrorCodes.RateLimitExceeded, ErrorCodes.AuthorizationError,
    ];

    public static SeedRunError? From(RunRecord record)
    {
        if (record.Status is not (RunStatus.Failed or RunStatus.Timeout))
        {
            return null;
        }
        var engineCode = record.Error?.Code;
        var code = record.Status == RunStatus.Timeout ? ErrorCodes.Timeout
            : engineCode is not null && SeedCodes.Contains(engineCode) ? engineCode
            : ErrorCodes.InternalError;
        return new SeedRunError
        {
            Code = code,
            Message = record.Error?.Message is { Length: > 0 } message ? message
                : record.Status == RunStatus.Timeout ? "The run exceeded its maximum execution time." : "The run failed.",
            Type = record.Error?.Type,
            EngineCode = engineCode,
            StepId = record.FailedStepId,
        };
    }
}
