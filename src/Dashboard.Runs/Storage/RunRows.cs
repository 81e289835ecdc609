using Dashboard.Model.Events;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using Dashboard.Runs.Insights;
using Dashboard.Runs.Projections;

namespace Dashboard.Runs.Storage;

/// <summary>Everything an accepted batch changes beside the run's stream: its projection rows and the insights aggregates.</summary>
internal sealed record RunRows(RunProjectionRows Projection, InsightsDelta Insights)
{
    /// <summary>Worked out from the reduced state, before the write transaction: what is left for it is to store values.</summary>
    public static RunRows Of(RunRecord? before, RunState state, IReadOnlyCollection<StepKey> changedSteps, IReadOnlyList<RunEvent> applied) =>
        new(RunProjectionRows.Of(state, changedSteps, applied), InsightsDelta.Of(before, state, applied));
}
