using Dashboard.Model.Events;

namespace Dashboard.Runs.Control;

/// <summary>An engine's report that it acted on a control request: the run it reported it in, what it did, when.</summary>
internal sealed record ControlOutcome(string RequestId, string RunId, string Outcome, long At)
{
    public const string Cancelled = "cancelled";
    public const string Resumed = "resumed";
    public const string Rerun = "rerun";

    /// <summary>
    /// The outcomes a batch reports: a cancel or a resume carrying a request id (the request was for this run), a run
    /// started as a rerun carrying one (the request was for the run it reruns).
    /// </summary>
    public static IReadOnlyList<ControlOutcome> Of(string runId, IReadOnlyList<RunEvent> applied)
    {
        List<ControlOutcome>? outcomes = null;
        foreach (var e in applied)
        {
            var outcome = e switch
            {
                RunCancelled { RequestId: { } id } => new ControlOutcome(id, runId, Cancelled, TimeOf(e)),
                RunResumed { RequestId: { } id } => new ControlOutcome(id, runId, Resumed, TimeOf(e)),
                RunStarted { RequestId: { } id, RerunOf: { } of } => new ControlOutcome(id, of, Rerun, TimeOf(e)),
                _ => null,
            };
            if (outcome is not null)
            {
                (outcomes ??= []).Add(outcome);
            }
        }
        return outcomes ?? (IReadOnlyList<ControlOutcome>)[];
    }

    private static long TimeOf(RunEvent e) => (e.Timestamp ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds();
}
