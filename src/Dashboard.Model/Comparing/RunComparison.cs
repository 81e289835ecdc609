using System.Text.Json.Serialization;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;

namespace Dashboard.Model.Comparing;

/// <summary>How one step (or loop iteration) of two runs differs, judged on each run's latest attempt.</summary>
public enum StepDifference
{
    Same,

    /// <summary>Different outcome (completed in one, failed in the other, …).</summary>
    Status,

    /// <summary>Both failed, with different errors.</summary>
    Error,

    /// <summary>Same outcome, different output (or mapped output).</summary>
    Output,

    /// <summary>Same outcome and output, different input: the difference came from before this step.</summary>
    Input,

    OnlyLeft,
    OnlyRight,
}

/// <summary>A step's side in a comparison: what the latest attempt did, without its payloads.</summary>
public sealed record ComparedAttempt(StepStatus Status, int Attempts, long? DurationMs,
    [property: JsonConverter(typeof(DecimalStringConverter))] decimal? CostUsd, string? ErrorCode, string? ErrorMessage);

/// <summary>One aligned row: the same step id and loop iteration in both runs (or in one of them).</summary>
public sealed record ComparedStep(string StepId, int? LoopIndex, string? StepName, ComparedAttempt? Left, ComparedAttempt? Right, StepDifference Difference)
{
    /// <summary>Right minus left, when both ran it.</summary>
    public long? DurationDeltaMs => Left?.DurationMs is { } l && Right?.DurationMs is { } r ? r - l : null;

    [JsonConverter(typeof(DecimalStringConverter))]
    public decimal? CostDeltaUsd => Left is null || Right is null ? null : (Right.CostUsd ?? 0) - (Left.CostUsd ?? 0);
}

/// <summary>
/// Two runs side by side (<c>GET /api/runs/{a}/compare/{b}</c>): their steps aligned by step id and loop iteration, in
/// the left run's order with steps only the right run has where it had them, and the first row where they diverge.
/// </summary>
public sealed record RunComparison(RunRecord Left, RunRecord Right, IReadOnlyList<ComparedStep> Steps, int? FirstDivergence)
{
    public long? DurationDeltaMs => Left.DurationMs is { } l && Right.DurationMs is { } r ? r - l : null;

    /// <summary>Right minus left; null when neither run has a cost (nothing to compare, not $0.00).</summary>
    [JsonConverter(typeof(DecimalStringConverter))]
    public decimal? CostDeltaUsd => Left.CostUsd is null && Right.CostUsd is null ? null : (Right.CostUsd ?? 0) - (Left.CostUsd ?? 0);
}
