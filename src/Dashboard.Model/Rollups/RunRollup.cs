using System.Text.Json.Serialization;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;

namespace Dashboard.Model.Rollups;

/// <summary>Cost, tokens and time of one run, counting every attempt of every step (and loop iteration) once.</summary>
public sealed record RunRollup
{
    public required string RunId { get; init; }

    [JsonConverter(typeof(DecimalStringConverter))]
    public decimal? CostUsd { get; init; }

    public TokenBreakdown Tokens { get; init; } = TokenBreakdown.Zero;

    /// <summary>Start to finish, wall clock; null while the run is not finished.</summary>
    public long? WallDurationMs { get; init; }

    /// <summary>Sum of attempt durations: the time spent in steps, which parallel steps can make exceed the wall clock.</summary>
    public long StepDurationMs { get; init; }

    public int Attempts { get; init; }
    public int FailedAttempts { get; init; }
    public int Retries { get; init; }
    public IReadOnlyList<ModelRollup> ByModel { get; init; } = [];
    public IReadOnlyList<StepRollup> ByStep { get; init; } = [];
}

/// <summary>Usage of one model; <see cref="Model"/> is null for cost or tokens reported without a model.</summary>
public sealed record ModelRollup
{
    public string? Model { get; init; }
    public int Calls { get; init; }
    public TokenBreakdown Tokens { get; init; } = TokenBreakdown.Zero;

    [JsonConverter(typeof(DecimalStringConverter))]
    public decimal? CostUsd { get; init; }
}

/// <summary>One step id, over all its attempts and loop iterations.</summary>
public sealed record StepRollup
{
    public required string StepId { get; init; }
    public string? StepName { get; init; }
    public int Attempts { get; init; }

    /// <summary>Of <see cref="Attempts"/>, those that failed (retried or not).</summary>
    public int Failed { get; init; }

    public int Iterations { get; init; }
    public TokenBreakdown Tokens { get; init; } = TokenBreakdown.Zero;

    [JsonConverter(typeof(DecimalStringConverter))]
    public decimal? CostUsd { get; init; }

    /// <summary>The time of its ended attempts.</summary>
    public long DurationMs { get; init; }

    /// <summary>Attempts started and not ended (running, or waiting for input): none of their time is in <see cref="DurationMs"/>.</summary>
    public int Unfinished { get; init; }
}

/// <summary>A run with its child runs: each counted once, the children shown apart and in the total.</summary>
public sealed record FamilyRollup
{
    public required RunRollup Run { get; init; }
    public required IReadOnlyList<RunRollup> Children { get; init; }
    public required RunRollup Total { get; init; }
}
