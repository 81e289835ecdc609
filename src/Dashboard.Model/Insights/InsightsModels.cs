using System.Text.Json.Serialization;
using Dashboard.Model.Json;

namespace Dashboard.Model.Insights;

/// <summary>Duration percentiles in milliseconds; null when no run of the period has finished.</summary>
public sealed record DurationPercentiles(long? P50, long? P95, long? P99);

/// <summary>Tokens over every attempt (cached tokens are part of prompt tokens).</summary>
public sealed record TokenTotals(long Prompt, long Cached, long Completion);

/// <summary>
/// Runs started in [<see cref="From"/>, <see cref="To"/>): counts by status, the failure rate ((failed + timeout) over
/// finished runs), duration percentiles of the finished ones, cost and tokens; <see cref="Previous"/> is the same for
/// the period of the same length just before. Costs here and in the other answers are null when nothing in them reported
/// a cost (a workflow without priced steps has no cost, not a cost of $0.00).
/// </summary>
public sealed record InsightsSummary
{
    public required DateTimeOffset From { get; init; }
    public required DateTimeOffset To { get; init; }
    public long Runs { get; init; }
    public required IReadOnlyDictionary<string, long> ByStatus { get; init; }
    public double? FailureRate { get; init; }
    public required DurationPercentiles DurationMs { get; init; }

    [JsonConverter(typeof(DecimalStringConverter))]
    public decimal? CostUsd { get; init; }

    public required TokenTotals Tokens { get; init; }
    public InsightsSummary? Previous { get; init; }

    /// <summary>
    /// Reported batches, in any workflow and period, whose counts could not be added to the aggregates (the store
    /// refused them, or they could not be read): set aside and logged by the runs service, and left out of every figure.
    /// Absent when there are none, and for a caller who sees only some workflows.
    /// </summary>
    public InsightsNotCounted? NotCounted { get; init; }
}

/// <summary>How many reported batches the insights leave out (<see cref="InsightsSummary.NotCounted"/>), and when the last was set aside.</summary>
public sealed record InsightsNotCounted(long Batches, DateTimeOffset LastSetAsideAt);

public sealed record InsightsBucket
{
    public required DateTimeOffset Start { get; init; }
    public long Runs { get; init; }
    public required IReadOnlyDictionary<string, long> ByStatus { get; init; }
    public double? FailureRate { get; init; }
    public long? P95DurationMs { get; init; }

    [JsonConverter(typeof(DecimalStringConverter))]
    public decimal? CostUsd { get; init; }
}

public sealed record InsightsTimeseries(string Bucket, IReadOnlyList<InsightsBucket> Buckets);

public sealed record WorkflowHealth
{
    public required string WorkflowId { get; init; }
    public string? WorkflowName { get; init; }
    public long Runs { get; init; }
    public long Failed { get; init; }
    public double? FailureRate { get; init; }
    public long? P50DurationMs { get; init; }
    public long? P95DurationMs { get; init; }

    [JsonConverter(typeof(DecimalStringConverter))]
    public decimal? CostUsd { get; init; }

    public DateTimeOffset? LastRunAt { get; init; }
    public DateTimeOffset? LastFailureAt { get; init; }
}

public sealed record WorkflowHealthList(IReadOnlyList<WorkflowHealth> Workflows)
{
    /// <summary>How many workflows ran in the period: more than <see cref="Workflows"/> holds when a limit cut them.</summary>
    public long TotalWorkflows { get; init; }
}

/// <summary>Failed and timed-out runs that share a <see cref="FailureSignature"/>, biggest first.</summary>
public sealed record FailureGroup
{
    public required string Signature { get; init; }
    public required string WorkflowId { get; init; }
    public string? StepId { get; init; }
    public string? ErrorCode { get; init; }
    public string? ErrorType { get; init; }

    /// <summary>The message of the newest failure of the group, as the engine sent it.</summary>
    public required string Message { get; init; }

    /// <summary>Failures in the period.</summary>
    public long Count { get; init; }

    /// <summary>The group's first and last failure ever seen: since when it fails, and whether it still does.</summary>
    public DateTimeOffset FirstSeen { get; init; }
    public DateTimeOffset LastSeen { get; init; }

    /// <summary>The newest runs of the group, newest first.</summary>
    public required IReadOnlyList<string> ExampleRunIds { get; init; }

    /// <summary>Failures per bucket over the period (hours up to 8 days, days beyond), oldest first: the sparkline.</summary>
    public IReadOnlyList<long>? Trend { get; init; }
}

public sealed record FailureGroupList(IReadOnlyList<FailureGroup> Groups);

public sealed record StepHealth
{
    public required string StepId { get; init; }
    public string? StepName { get; init; }
    public long Attempts { get; init; }
    public long Retries { get; init; }
    public long Failed { get; init; }
    public double? FailureRate { get; init; }
    public long? P50DurationMs { get; init; }
    public long? P95DurationMs { get; init; }

    [JsonConverter(typeof(DecimalStringConverter))]
    public decimal? CostUsd { get; init; }

    public required TokenTotals Tokens { get; init; }
}

/// <summary>
/// Steps are counted by the hour at the finest: <see cref="CountedFrom"/> and <see cref="CountedTo"/> are the whole hours
/// (or days) the figures cover, which can start before the period asked for and end after it.
/// </summary>
public sealed record StepHealthList(IReadOnlyList<StepHealth> Steps)
{
    public DateTimeOffset? CountedFrom { get; init; }
    public DateTimeOffset? CountedTo { get; init; }

    /// <summary>How many steps the workflow had in the period: more than <see cref="Steps"/> holds when a limit cut them.</summary>
    public long TotalSteps { get; init; }
}

/// <summary>
/// One model over the steps that named it in the period's runs: its calls (finished attempts), the failed ones, their
/// cost (null when none reported one) and tokens; <see cref="Workflows"/>: how many workflows called it.
/// </summary>
public sealed record ModelUsage
{
    public required string Model { get; init; }
    public long Calls { get; init; }
    public long Failed { get; init; }

    /// <summary>The calls that reported a cost: the mean cost of a call is over these (a failed call often reports none).</summary>
    public long PricedCalls { get; init; }

    public int Workflows { get; init; }

    [JsonConverter(typeof(DecimalStringConverter))]
    public decimal? CostUsd { get; init; }

    public required TokenTotals Tokens { get; init; }
}

public sealed record ModelUsageList(IReadOnlyList<ModelUsage> Models);

/// <summary>A workflow the service has runs of, for pickers.</summary>
public sealed record WorkflowFacet(string WorkflowId, string? WorkflowName);

/// <summary>What the executions list can be filtered by: the workflows and trigger types the caller's runs have had.</summary>
public sealed record RunFacets(IReadOnlyList<WorkflowFacet> Workflows, IReadOnlyList<string> TriggerTypes)
{
    /// <summary>
    /// How many workflows match (all the caller may see, or those a <c>workflowSearch</c> finds): more than
    /// <see cref="Workflows"/> holds when a <c>workflowLimit</c> cut the list.
    /// </summary>
    public int TotalWorkflows { get; init; }

    /// <summary>The models the steps of these workflows have named (the list's model filter).</summary>
    public IReadOnlyList<string> Models { get; init; } = [];
}
