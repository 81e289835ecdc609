using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dashboard.Model.Events;

/// <summary>
/// One event of a run, as an engine posts it and as the run's stream holds it (see run-events.md).
/// The <c>type</c> property on the wire selects the derived record.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(RunStarted), RunEventTypes.RunStarted)]
[JsonDerivedType(typeof(StepStarted), RunEventTypes.StepStarted)]
[JsonDerivedType(typeof(StepCompleted), RunEventTypes.StepCompleted)]
[JsonDerivedType(typeof(StepFailed), RunEventTypes.StepFailed)]
[JsonDerivedType(typeof(StepSkipped), RunEventTypes.StepSkipped)]
[JsonDerivedType(typeof(RunWaiting), RunEventTypes.RunWaiting)]
[JsonDerivedType(typeof(RunResumed), RunEventTypes.RunResumed)]
[JsonDerivedType(typeof(RunCompleted), RunEventTypes.RunCompleted)]
[JsonDerivedType(typeof(RunFailed), RunEventTypes.RunFailed)]
[JsonDerivedType(typeof(RunCancelled), RunEventTypes.RunCancelled)]
[JsonDerivedType(typeof(RunTimedOut), RunEventTypes.RunTimedOut)]
[JsonDerivedType(typeof(LogEvent), RunEventTypes.Log)]
public abstract record RunEvent
{
    /// <summary>When it happened (RFC 3339 with an offset). Required; nullable so a missing one is reported, not thrown.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>Engine-chosen id, unique within the run: a resent event with a known id is a duplicate.</summary>
    public string? EventId { get; init; }

    /// <summary>The stream offset of this event; set by the service when it serves the event.</summary>
    public string? Offset { get; init; }

    /// <summary>Payload fields the service cut to the snapshot limit, each with its original size in bytes.</summary>
    public IReadOnlyDictionary<string, long>? Truncated { get; init; }

    /// <summary>Fields this model does not know: kept, not interpreted.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }

    /// <summary>The wire name of this event's type, e.g. <c>step_completed</c>.</summary>
    [JsonIgnore]
    public string Type => RunEventTypes.NameOf(GetType());

    [JsonIgnore]
    public bool IsTerminal => this is TerminalRunEvent;
}

/// <summary>Events about one step attempt.</summary>
public abstract record StepEvent : RunEvent
{
    public string? StepId { get; init; }
    public int? LoopIndex { get; init; }
}

/// <summary>The end of a step attempt, successful or not: both can carry model usage and cost.</summary>
public abstract record StepEndEvent : StepEvent
{
    public int? Attempt { get; init; }
    public long? DurationMs { get; init; }
    public string? ModelUsed { get; init; }
    public Runs.TokenBreakdown? Tokens { get; init; }

    [JsonConverter(typeof(Json.DecimalStringConverter))]
    public decimal? CostUsd { get; init; }
}

/// <summary>The events that end a run: nothing may follow one.</summary>
public abstract record TerminalRunEvent : RunEvent;
