using Dashboard.Model.Events;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using Dashboard.Runs.Insights;
using Dashboard.Runs.Projections;
using Dashboard.Runs.Search;

namespace Dashboard.Runs.Storage;

/// <summary>Everything an accepted batch changes beside the run's stream: its projection rows, the insights aggregates, the search index and the control requests it answers.</summary>
internal sealed record RunRows(RunProjectionRows Projection, InsightsDelta Insights, SearchRows Search, IReadOnlyList<Control.ControlOutcome> ControlOutcomes)
{
    /// <summary>Worked out from the reduced state, before the write transaction: what is left for it is to store values.</summary>
    public static RunRows Of(RunRecord? before, RunState state, IReadOnlyCollection<StepKey> changedSteps, IReadOnlyList<RunEvent> applied)
    {
        var projection = RunProjectionRows.Of(state, changedSteps, applied);
        return new(projection, InsightsDelta.Of(before, state, applied), SearchRows.Of(before, state, changedSteps, applied, projection.Logs),
            Control.ControlOutcome.Of(state.RunId, applied));
    }
}
