namespace Dashboard.Model.Runs;

/// <summary>
/// The run summary and the latest attempt of each (step, loop iteration), in the order steps first started (seed 001).
/// <see cref="Offset"/> is the stream offset this snapshot reflects: a live view continues from there.
/// </summary>
public sealed record Trace
{
    public required RunSummary FlowRun { get; init; }
    public required IReadOnlyList<StepTrace> Steps { get; init; }
    public string? Offset { get; init; }
}
