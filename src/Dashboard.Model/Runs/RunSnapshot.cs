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
}
