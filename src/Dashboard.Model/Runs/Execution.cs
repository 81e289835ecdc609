using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dashboard.Model.Runs;

/// <summary>
/// A workflow execution in the shape of the execution-detail seed (004), served in snake_case. <see cref="Status"/>
/// is that seed's three-valued status; <see cref="RunStatus"/> keeps the exact one.
/// </summary>
public sealed record Execution
{
    public required string Id { get; init; }
    public required string RunId { get; init; }
    public required string WorkflowId { get; init; }
    public required string Status { get; init; }
    public RunStatus RunStatus { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public long? DurationMs { get; init; }
    public string? EventName { get; init; }
    public DateTimeOffset? Created { get; init; }
    public JsonElement? ColumnConfig { get; init; }

    /// <summary>Only in the detail (the list leaves steps out).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ExecutionStep>? Steps { get; init; }

    public string? Error { get; init; }
}

/// <summary>One step of an execution (seed 004): its latest attempt, with input, output, mapped output and error.</summary>
public sealed record ExecutionStep
{
    public required string StepId { get; init; }
    public string? StepName { get; init; }
    public string? Operation { get; init; }
    public StepStatus Status { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public long? DurationMs { get; init; }
    public int? LoopIndex { get; init; }
    public int Attempt { get; init; }
    public JsonElement? Input { get; init; }
    public JsonElement? Output { get; init; }
    public JsonElement? MappedOutput { get; init; }
    public ErrorInfo? Error { get; init; }

    public static ExecutionStep From(StepTrace step) => new()
    {
        StepId = step.StepId,
        StepName = step.StepName,
        Operation = step.Operation,
        Status = step.Status,
        StartedAt = step.StartedAt,
        EndedAt = step.CompletedAt,
        DurationMs = step.DurationMs,
        LoopIndex = step.LoopIndex,
        Attempt = step.Attempt,
        Input = step.InputContext,
        Output = step.OutputContext,
        MappedOutput = step.MappedOutput,
        Error = step.ErrorContext,
    };
}

public static class ExecutionMapping
{
    /// <summary>The seed's execution status: waiting counts as running, cancelled and timed out as failed.</summary>
    public static string SeedStatus(RunStatus status) => status switch
    {
        RunStatus.Completed => "completed",
        RunStatus.Failed or RunStatus.Cancelled or RunStatus.Timeout => "failed",
        _ => "running",
    };

    public static Execution From(RunRecord record, IReadOnlyList<StepTrace>? steps) => new()
    {
        Id = record.Id,
        RunId = record.Id,
        WorkflowId = record.WorkflowId,
        Status = SeedStatus(record.Status),
        RunStatus = record.Status,
        StartedAt = record.StartedAt,
        EndedAt = record.CompletedAt,
        DurationMs = record.DurationMs,
        EventName = record.EventName,
        Created = record.CreatedAt,
        ColumnConfig = record.ColumnConfig,
        Steps = steps?.Select(ExecutionStep.From).ToList(),
        Error = record.Error?.Message,
    };
}
