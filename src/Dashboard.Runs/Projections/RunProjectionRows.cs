using System.Text.Json;
using Dashboard.Model.Events;
using Dashboard.Model.Json;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using Dashboard.Runs.Storage;

namespace Dashboard.Runs.Projections;

/// <summary>One stored attempt: where it sits in the run, and its JSON (whole, and without payloads for the timeline).</summary>
internal sealed record StepRow(string StepId, long LoopKey, int Attempt, int Order, bool IsLatest, Utf8Text TimelineJson, Utf8Text TraceJson);

/// <summary>One log line: its filter columns and the line as the logs API serves it.</summary>
internal sealed record LogRow(long Seq, long? At, int LevelRank, string? StepId, int? Attempt, long LoopKey, string? Message, Utf8Text LineJson);

/// <summary>
/// The projection rows a batch changes: the run's row and every attempt of each step it touched, as the values the
/// tables hold. Made before the write transaction (serialising is most of the cost), written inside it.
/// </summary>
internal sealed record RunProjectionRows(RunRecord Record, Utf8Text RecordJson, IReadOnlyList<StepRow> Steps, IReadOnlyList<(string StepId, long LoopKey)> Removed,
    IReadOnlyList<LogRow> Logs)
{
    public static RunProjectionRows Of(RunState state, IReadOnlyCollection<StepKey> changedSteps, IReadOnlyList<RunEvent> applied)
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
                    Json(WithoutPayloads(trace)), Json(trace)));
            }
        }
        return new RunProjectionRows(record, Json(record), steps, removed, LogsOf(state, applied));
    }

    private static Utf8Text Json<T>(T value) => new(JsonSerializer.SerializeToUtf8Bytes(value, ModelJson.Options));

    /// <summary>The batch's log lines, numbered on from the run's earlier ones (the reducer counts them).</summary>
    private static List<LogRow> LogsOf(RunState state, IReadOnlyList<RunEvent> applied)
    {
        var logs = applied.OfType<LogEvent>().ToList();
        var rows = new List<LogRow>(logs.Count);
        var seq = (long)state.LogCount - logs.Count;
        foreach (var log in logs)
        {
            var level = LogLevels.Normalize(log.Level);
            var line = new RunLogLine
            {
                Seq = ++seq,
                Timestamp = log.Timestamp,
                Level = level,
                Message = log.Message,
                StepId = log.StepId,
                Attempt = log.Attempt,
                LoopIndex = log.LoopIndex,
                Fields = log.Extra is { Count: > 0 } extra ? extra : null,
            };
            rows.Add(new LogRow(seq, log.Timestamp?.ToUnixTimeMilliseconds(), LogLevels.Rank(level), log.StepId, log.Attempt,
                RunProjectionSchema.LoopKey(log.LoopIndex), log.Message, Json(line)));
        }
        return rows;
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
