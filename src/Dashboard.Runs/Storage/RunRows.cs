using Dashboard.Model.Events;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using Dashboard.Runs.Insights;
using Dashboard.Runs.Projections;

namespace Dashboard.Runs.Storage;

/// <summary>Everything an accepted batch changes beside the run's stream: its projection rows, what it moves in the insights aggregates (added behind: <see cref="Insights.InsightsOutbox"/>) and the control requests it answers (the search index is made behind, from the feed: <see cref="Search.SearchIndexer"/>).</summary>
internal sealed record RunRows(RunProjectionRows Projection, InsightsDelta Insights, IReadOnlyList<Control.ControlOutcome> ControlOutcomes)
{
    /// <summary>An OTLP trace export's spans and held end (<see cref="Otlp.OtlpRows"/>); null for an engine's batch.</summary>
    public Otlp.OtlpRows? Otlp { get; init; }

    /// <summary>Worked out from the reduced state, before the write transaction: what is left for it is to store values.</summary>
    public static RunRows Of(RunRecord? before, RunState state, IReadOnlyList<StepChange> changedSteps, IReadOnlyList<RunEvent> applied)
    {
        var projection = RunProjectionRows.Of(state, changedSteps, applied);
        return new(projection, InsightsDelta.Of(before, state, applied), Control.ControlOutcome.Of(state.RunId, applied));
    }
}
