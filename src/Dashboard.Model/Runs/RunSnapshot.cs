namespace Dashboard.Model.Runs;

/// <summary>
/// A run as of one offset of its stream: the record and every attempt without payloads, read together. A live view
/// builds its state from this and applies the events after <see cref="Offset"/>.
/// </summary>
public sealed record RunSnapshot
{
    public required RunRecord Record { get; init; }
    public required IReadOnlyList<StepTrace> Attempts { get; init; }
    public string? Offset { get; init; }

    /// <summary>
    /// How many attempts the run has in all. When the read was limited to the first attempts, more than
    /// <see cref="Attempts"/> holds; null from a service that does not say.
    /// </summary>
    public int? AttemptCount { get; init; }

    /// <summary>Whether <see cref="Attempts"/> is every attempt of the run (not the first page of a limited read).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsComplete => AttemptCount is not { } total || Attempts.Count >= total;
}
