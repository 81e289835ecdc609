using System.Text.Json;
using Dashboard.Model.Json;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;

namespace Dashboard.Runs.Projections;

/// <summary>One stored attempt: where it sits in the run, and its JSON (whole, and without payloads for the timeline).</summary>
internal sealed record StepRow(string StepId, long LoopKey, int Attempt, int Order, bool IsLatest, string TimelineJson, string TraceJson);

/// <summary>
/// The projection rows a batch changes: the run's row and every attempt of each step it touched, as the values the
/// tables hold. Made before the write transaction (serialising is most of the cost), written inside it.
/// </summary>
internal sealed record RunProjectionRows(RunRecord Record, string RecordJson, IReadOnlyList<StepRow> Steps, IReadOnlyList<(string StepId, long LoopKey)> Removed)
{
    public static RunProjectionRows Of(RunState state, IReadOnlyCollection<StepKey> changedSteps)
    {
        var record = state.Record!;
        var steps = new List<StepRow>();
        var removed = new List<(string, long)>();
        foreach (var key in changedSteps)
        {
            var loopKey = RunProjectionSchema.LoopKey(key.LoopIndex);
            if (state.GetStep(key) is not { } history)
            {
                removed.Add((key.StepId, loopKey));
                continue;
            }
            var order = state.OrderOf(key);
            for (var i = 0; i < history.Attempts.Count; i++)
            {
                var isLatest = i == history.Attempts.Count - 1;
                var trace = isLatest ? history.Attempts[i] with { AttemptCount = history.Attempts.Count } : history.Attempts[i];
                steps.Add(new StepRow(key.StepId, loopKey, trace.Attempt, order, isLatest,
                    JsonSerializer.Serialize(WithoutPayloads(trace), ModelJson.Options), JsonSerializer.Serialize(trace, ModelJson.Options)));
            }
        }
        return new RunProjectionRows(record, JsonSerializer.Serialize(record, ModelJson.Options), steps, removed);
    }

    /// <summary>
    /// The attempt as the timeline and the rollups read it: times, status, model, tokens, cost and the error's message,
    /// without the payloads (<see cref="RunProjectionSchema.PayloadPaths"/>), which can be megabytes each.
    /// </summary>
    private static StepTrace WithoutPayloads(StepTrace trace) => trace with
    {
        InputContext = null,
        OutputContext = null,
        MappedOutput = null,
        ErrorContext = trace.ErrorContext is { } error ? error with { Stack = null, Data = null } : null,
    };
}
