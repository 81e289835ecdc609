using System.Text.Json;
using System.Text.Json.Serialization;
using Dashboard.Model.Json;

namespace Dashboard.Model.Runs;

/// <summary>One attempt of one step (in a loop: of one iteration), as seed 001's <c>StepTrace</c> with 004's extras.</summary>
public sealed record StepTrace
{
    public required string StepId { get; init; }
    public string? StepName { get; init; }
    public string? Operation { get; init; }
    public int? StepIndex { get; init; }
    public int Attempt { get; init; } = 1;
    public int? LoopIndex { get; init; }
    public StepStatus Status { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public long? DurationMs { get; init; }
    public string? ModelUsed { get; init; }
    public TokenBreakdown? Tokens { get; init; }

    [JsonConverter(typeof(DecimalStringConverter))]
    public decimal? CostUsd { get; init; }

    public JsonElement? InputContext { get; init; }
    public JsonElement? OutputContext { get; init; }
    public JsonElement? MappedOutput { get; init; }
    public ErrorInfo? ErrorContext { get; init; }

    /// <summary>Original sizes, also when the stored snapshot was truncated.</summary>
    public long? InputSizeBytes { get; init; }
    public long? OutputSizeBytes { get; init; }
    public long? MappedOutputSizeBytes { get; init; }

    /// <summary>Whether any snapshot of this attempt was cut to the limit; <see cref="TruncatedFields"/> says which.</summary>
    public bool Truncated { get; init; }
    public IReadOnlyDictionary<string, long>? TruncatedFields { get; init; }

    /// <summary>For a failed attempt: whether the engine said it would retry.</summary>
    public bool? WillRetry { get; init; }
    public string? SkipReason { get; init; }

    /// <summary>How many attempts this step (in this loop iteration) has had so far; set on trace entries.</summary>
    public int? AttemptCount { get; init; }
}
