using System.Text.Json;
using Dashboard.Model.Runs;

namespace Dashboard.Model.Events;

public sealed record StepStarted : StepEvent
{
    public string? StepName { get; init; }
    public string? Operation { get; init; }
    public int? StepIndex { get; init; }

    /// <summary>1 when absent.</summary>
    public int? Attempt { get; init; }
    public JsonElement? Input { get; init; }
}

public sealed record StepCompleted : StepEndEvent
{
    public JsonElement? Output { get; init; }
    public JsonElement? MappedOutput { get; init; }
}

public sealed record StepFailed : StepEndEvent
{
    public ErrorInfo? Error { get; init; }
    public bool? WillRetry { get; init; }
}

public sealed record StepSkipped : StepEvent
{
    public string? Reason { get; init; }
    public string? StepName { get; init; }
    public string? Operation { get; init; }
}
