using System.Text.Json;
using Dashboard.Model.Events;
using Dashboard.Model.Json;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using Dashboard.Runs.Storage;

namespace Dashboard.Runs.Projections;

/// <summary>
/// One stored attempt: where it sits in the run, and its JSON (whole, and without payloads for the timeline). No
/// <paramref name="TraceJson"/>: an ended attempt the service holds without its payloads that stopped being its step's
/// latest; the writer makes its JSON from the stored row (<see cref="StoredAttemptJson.AsEarlierAttempt"/>).
/// </summary>
internal sealed record StepRow(string StepId, long LoopKey, int Attempt, int Order, bool IsLatest, Utf8Text TimelineJson, Utf8Text? TraceJson);

/// <summary>
/// One log line: its filter columns and the line as the logs API serves it. <paramref name="SpanId"/>: the OTLP span a
/// line of the run still waits to be put on (see <see cref="SpanStep"/>).
/// </summary>
internal sealed record LogRow(long Seq, long At, int LevelRank, string? StepId, int? Attempt, long LoopKey, string? Message, Utf8Text LineJson, string? SpanId = null);

/// <summary>An OTLP span that became a step attempt in this batch: the run's lines that kept its id move onto it.</summary>
internal sealed record SpanStep(string SpanId, string StepId, int Attempt, int? LoopIndex);

/// <summary>
/// The projection rows a batch changes: the run's row and the attempts it added or changed (with the one that stopped
/// being its step's latest), as the values the tables hold. Made before the write transaction (serialising is most of the
/// cost), written inside it.
/// </summary>
internal sealed record RunProjectionRows(RunRecord Record, Utf8Text RecordJson, IReadOnlyList<StepRow> Steps, IReadOnlyList<(string StepId, long LoopKey)> Removed,
    IReadOnlyList<LogRow> Logs)
{
    /// <summary>The models the batch's attempts named (the run may have them already: written as "if not there").</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    /// <summary>The OTLP spans the batch made steps of (none for an engine's batch).</summary>
    public IReadOnlyList<SpanStep> SpanSteps { get; init; } = [];

    public static RunProjectionRows Of(RunState state, IReadOnlyList<StepChange> changedSteps, IReadOnlyList<RunEvent> applied)
    {
        var record = state.Record!;
        var places = new List<(string StepId, long LoopKey, int Attempt, int Order, bool IsLatest, bool FromStored)>();
        var traces = new List<StepTrace>();
        var timelines = new List<StepTrace>();
        var removed = new List<(string, long)>();
        foreach (var change in changedSteps)
        {
            var key = change.Key;
            var loopKey = RunProjectionSchema.LoopKey(key.LoopIndex);
            if (state.GetStep(key) is not { } history)
            {
                removed.Add((key.StepId, loopKey));
                continue;
            }
            var order = state.OrderOf(key);
            for (var i = 0; i < history.Attempts.Count; i++)
            {
                // The attempts before stay as stored (rows are upserted by attempt): a step polled hundreds of times
                // rewrote every earlier attempt, payloads and all, at each new one.
                if (!change.Rewrites(history, i))
                {
                    continue;
                }
                var isLatest = i == history.Attempts.Count - 1;
                var trace = isLatest ? history.Attempts[i] with { AttemptCount = history.Attempts.Count } : history.Attempts[i];
                // Only ever the attempt that stopped being latest: an ended attempt is not changed again. Written from
                // what is held, it would lose its payloads in the store; a batch that tried is failed instead (its run's
                // state is then read again from the stream, payloads and all).
                var fromStored = state.HeldWithoutPayloads(history.Attempts[i]);
                if (fromStored && isLatest)
                {
                    throw new InvalidOperationException($"Attempt {trace.Attempt} of step {key} was changed after its payloads were let go of.");
                }
                places.Add((key.StepId, loopKey, trace.Attempt, order, isLatest, fromStored));
                if (!fromStored)
                {
                    traces.Add(trace);
                }
                timelines.Add(WithoutErrorDetail(trace));
            }
        }
        // Two serialiser calls for the batch's attempts, not two for each (SerializedEach).
        var traceJson = SerializedEach.Of(traces, ModelJson.Options);
        var timelineJson = SerializedEach.Of(timelines, TimelineJson.Options);
        var steps = new List<StepRow>(places.Count);
        for (int i = 0, whole = 0; i < places.Count; i++)
        {
            var (stepId, loopKey, attempt, order, isLatest, fromStored) = places[i];
            steps.Add(new StepRow(stepId, loopKey, attempt, order, isLatest, new Utf8Text(timelineJson[i]), fromStored ? null : new Utf8Text(traceJson[whole++])));
        }
        return new RunProjectionRows(record, new Utf8Text(JsonSerializer.SerializeToUtf8Bytes(record, ModelJson.Options)), steps, removed, LogsOf(state, applied))
        {
            Models = ModelsOf(traces),
            SpanSteps = SpanStepsOf(applied),
        };
    }

    private static IReadOnlyList<string> ModelsOf(List<StepTrace> attempts)
    {
        List<string>? models = null;
        foreach (var attempt in attempts)
        {
            if (attempt.ModelUsed is { Length: > 0 } model && models?.Contains(model) != true)
            {
                (models ??= []).Add(model);
            }
        }
        return models ?? [];
    }

    /// <summary>
    /// The steps OTLP spans started in the batch. A span is exported when it ends, so a step longer than the log records'
    /// wait has had its early lines put on the run, keeping the span's id; they move onto the step when it comes.
    /// </summary>
    private static IReadOnlyList<SpanStep> SpanStepsOf(IReadOnlyList<RunEvent> applied)
    {
        List<SpanStep>? spans = null;
        foreach (var e in applied)
        {
            if (e is StepStarted { StepId: { } stepId } started && Otlp.SpanMapping.SpanIdOf(started) is { } span)
            {
                (spans ??= []).Add(new SpanStep(span, stepId, started.Attempt ?? 1, started.LoopIndex));
            }
        }
        return spans ?? [];
    }

    /// <summary>The batch's log lines, numbered on from the run's earlier ones (the reducer counts them).</summary>
    private static List<LogRow> LogsOf(RunState state, IReadOnlyList<RunEvent> applied)
    {
        var logs = applied.OfType<LogEvent>().ToList();
        if (logs.Count == 0)
        {
            return [];
        }
        var lines = new List<RunLogLine>(logs.Count);
        var seq = (long)state.LogCount - logs.Count;
        foreach (var log in logs)
        {
            lines.Add(new RunLogLine
            {
                Seq = ++seq,
                Timestamp = log.Timestamp,
                Level = LogLevels.Normalize(log.Level),
                Message = log.Message,
                StepId = log.StepId,
                Attempt = log.Attempt,
                LoopIndex = log.LoopIndex,
                Fields = log.Extra is { Count: > 0 } extra ? extra : null,
            });
        }
        var json = SerializedEach.Of(lines, ModelJson.Options);
        var rows = new List<LogRow>(logs.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            // The key's time: every event has one (the reducer refuses one without); 0 would list a line first.
            rows.Add(new LogRow(line.Seq, line.Timestamp?.ToUnixTimeMilliseconds() ?? 0, LogLevels.Rank(line.Level), line.StepId, line.Attempt,
                RunProjectionSchema.LoopKey(line.LoopIndex), line.Message, new Utf8Text(json[i]), SpanOf(line)));
        }
        return rows;
    }

    /// <summary>The span a line of the run kept the id of (an OTLP record whose span had not come when it was placed).</summary>
    internal static string? SpanOf(RunLogLine line) =>
        line.StepId is null && line.Fields?.GetValueOrDefault(OtelSpanField) is { ValueKind: JsonValueKind.String } span ? span.GetString() : null;

    /// <summary>Where a line of the run keeps the id of the span it waited for.</summary>
    internal const string OtelSpanField = "otel.spanId";

    /// <summary>
    /// The attempt as the timeline keeps it (<see cref="TimelineJson"/> leaves its payloads out): its error's stack and data,
    /// which can be as big as a payload, taken out here, in a copy only for an attempt that has them.
    /// </summary>
    private static StepTrace WithoutErrorDetail(StepTrace trace) =>
        trace.ErrorContext is { } error && (error.Stack is not null || error.Data is not null)
            ? trace with { ErrorContext = error with { Stack = null, Data = null } }
            : trace;
}
