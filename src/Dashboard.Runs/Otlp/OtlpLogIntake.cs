using Dashboard.Model.Events;
using Dashboard.Model.Runs;
using Dashboard.Runs.Access;
using Dashboard.Runs.Ingestion;
using Dashboard.Runs.Projections;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// OTLP log records into their runs: as <c>log</c> events through the same ingestion as an engine's, once the run
/// exists and the span they name is known (<see cref="OtlpLogPlacement"/>); until then they wait in
/// <see cref="OtlpLogHold"/>, and a trace export that brings their spans takes them in with its own events. No record
/// makes a run: a trace whose spans never come leaves no run that looks as if it never ended.
/// </summary>
internal sealed partial class OtlpLogIntake(RunIngestion ingestion, RunQueries queries, OtlpTraceIndex index, OtlpLogHold hold, OtlpStore store,
    OtlpContentOffers offers, ILogger<OtlpLogIntake> logger)
{
    public sealed record Outcome(long Rejected, IReadOnlyList<string> Problems);

    // Per trace (striped): a log export's "is the run there? then hold" and a trace export's "take what waits, store the
    // spans" do not interleave, or records held just after a trace export took the hold would miss the spans they
    // waited for.
    private readonly SemaphoreSlim[] _traceLocks = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    /// <summary>Holds these traces against each other's log and trace exports until disposed.</summary>
    public async Task<IDisposable> LockTracesAsync(IEnumerable<string> traceIds, CancellationToken cancellationToken)
    {
        // In one order, so two exports that share traces cannot each hold what the other waits for.
        var stripes = traceIds.Select(t => (StringComparer.Ordinal.GetHashCode(t) & int.MaxValue) % _traceLocks.Length).Distinct().Order().ToList();
        var held = new List<SemaphoreSlim>(stripes.Count);
        try
        {
            foreach (var stripe in stripes)
            {
                await _traceLocks[stripe].WaitAsync(cancellationToken);
                held.Add(_traceLocks[stripe]);
            }
        }
        catch
        {
            held.ForEach(l => l.Release());
            throw;
        }
        return new Releaser(held);
    }

    private sealed class Releaser(List<SemaphoreSlim> held) : IDisposable
    {
        public void Dispose() => held.ForEach(l => l.Release());
    }

    /// <summary>An export's records (<c>POST /v1/logs</c>): into runs that are there, the rest held.</summary>
    public async Task<Outcome> AcceptAsync(IReadOnlyList<OtlpLogRecord> records, Caller caller, CancellationToken cancellationToken)
    {
        using var _ = await LockTracesAsync(records.Select(r => r.TraceId), cancellationToken);
        Recall(records);
        // What waits here for spans another instance has stored since goes in with these, in the order it happened.
        var known = offers.KeepOwned(records.Select(r => r.TraceId).Distinct(StringComparer.Ordinal)
            .SelectMany(trace => hold.TakeWhere(trace, w => w.Caller.Name == caller.Name && w.Record.SpanId is { } span && index.StepOf(trace, span) is not null))
            .ToList())
            .ToDictionary(w => w.Record, (IEqualityComparer<OtlpLogRecord>)ReferenceEqualityComparer.Instance);
        // The records of this export, and those that waited here, as they stand: the latter keep their place in the store.
        List<OtlpLogHold.Waiting> AsWaiting(IEnumerable<OtlpLogRecord> group) =>
            [.. group.Select(r => known.TryGetValue(r, out var w) ? w : new OtlpLogHold.Waiting(r, caller, default))];
        long rejected = 0;
        var problems = new List<string>();
        foreach (var group in records.Concat(known.Keys).GroupBy(RunOf))
        {
            var runId = group.Key;
            if (Ids.ProblemOfNew(runId) is { } idProblem)
            {
                rejected += group.Count();
                problems.Add($"run.id {idProblem}");
                offers.Forget(AsWaiting(group));
                continue;
            }
            var run = RunFor(runId, caller);
            if (run is null)
            {
                Hold(group, known, caller);
                continue;
            }
            if (run.Status.IsTerminal())
            {
                rejected += group.Count();
                problems.Add($"run {runId} already ended ({run.Status.ToWire()}); a run takes no log lines after its end");
                offers.Forget(AsWaiting(group));
                continue;
            }
            var (events, waiting) = OtlpLogPlacement.Place(group, (trace, span) => StepIn(runId, trace, span), RunSpans(run), placeAll: false);
            Hold(waiting, known, caller);
            if (events.Count > 0)
            {
                var still = new HashSet<OtlpLogRecord>(waiting, ReferenceEqualityComparer.Instance);
                var used = AsWaiting(group.Where(r => !still.Contains(r)));
                if (await IngestAsync(runId, events, caller, used, cancellationToken) is { } problem)
                {
                    rejected += events.Count;
                    problems.Add(problem);
                    offers.Forget(used);
                }
            }
        }
        return new Outcome(rejected, problems);
    }

    // Records that wait (on) for their spans: those of the export begin to, those that waited here already go on.
    private void Hold(IEnumerable<OtlpLogRecord> records, Dictionary<OtlpLogRecord, OtlpLogHold.Waiting> known, Caller caller)
    {
        var fresh = new List<OtlpLogRecord>();
        var waitedAlready = new List<OtlpLogHold.Waiting>();
        foreach (var record in records)
        {
            if (known.TryGetValue(record, out var waiting))
            {
                waitedAlready.Add(waiting);
            }
            else
            {
                fresh.Add(record);
            }
        }
        Hold(fresh, caller);
        WaitOn(waitedAlready);
    }

    /// <summary>
    /// A trace's events with the records that waited for it: each of a span in the export goes to that span's step, the
    /// rest as <see cref="OtlpLogPlacement"/> says. What is taken is returned to the hold if the batch is refused
    /// (<see cref="Refused"/>); what still waits for a span, once it is stored (<see cref="Stored"/>).
    /// </summary>
    public TraceJoin Join(string traceId, string runId, Caller caller, List<RunEvent> events, string? runSpan)
    {
        var held = offers.KeepOwned(hold.Take(traceId, caller));
        // A record that named another run than its trace's spans did waits on for that run (and ends up there, or dropped).
        var otherRun = held.Where(w => w.Record.NamedRunId is { } named && named != runId).ToList();
        if (otherRun.Count > 0)
        {
            WaitOn(otherRun);
        }
        var taken = otherRun.Count == 0 ? held : held.Except(otherRun).ToList();
        if (taken.Count == 0)
        {
            return new TraceJoin(events, [], []);
        }
        var here = StepsOf(runId, events);
        var runSpans = new HashSet<string>(StringComparer.Ordinal);
        foreach (var span in new[] { runSpan, events.OfType<RunStarted>().FirstOrDefault()?.TelemetrySpanId, queries.FindRecord(runId)?.TelemetrySpanId })
        {
            if (span is not null)
            {
                runSpans.Add(span);
            }
        }
        var ends = events.Count > 0 && events[^1] is TerminalRunEvent;
        // A model call's prompt and answer sent as events become its step's input and output, not log lines.
        (events, var content) = GenAiContent.Apply(events, taken.Select(t => t.Record));
        var (logs, waiting) = OtlpLogPlacement.Place(taken.Select(t => t.Record).Where(r => !content.Contains(r)),
            (trace, span) => here.GetValueOrDefault(span) ?? StepIn(runId, trace, span), runSpans, placeAll: ends);
        var stillWaiting = new HashSet<OtlpLogRecord>(waiting, ReferenceEqualityComparer.Instance);
        return new TraceJoin(OtlpLogPlacement.Insert(events, logs), taken, taken.Where(t => stillWaiting.Contains(t.Record)).ToList())
        {
            UsedOffers = OtlpContentOffers.KeysOf(taken.Where(t => !stillWaiting.Contains(t.Record))),
        };
    }

    /// <summary>
    /// Records into the hold to wait for their spans, each offered in the store first (<see cref="OtlpContentOffers"/>):
    /// an exporter counts them delivered once this answers, so a process killed while they wait must not lose them (its
    /// offers are taken back by whichever instance runs next), and a model call's content may be claimed by the instance
    /// that takes the call's span.
    /// </summary>
    private void Hold(IEnumerable<OtlpLogRecord> records, Caller caller) => WaitOn(hold.Stamp(records, caller));

    /// <summary>
    /// Records taken from the hold (taken in the store as they were) that wait on: offered again, so that any instance may
    /// take them while they wait.
    /// </summary>
    private void WaitOn(IEnumerable<OtlpLogHold.Waiting> taken) => hold.Return(offers.OfferOrKeep(taken));

    /// <param name="Taken">The records taken from the hold for the trace.</param>
    /// <param name="StillWaiting">Of those, the ones whose spans have still not come.</param>
    public sealed record TraceJoin(List<RunEvent> Events, List<OtlpLogHold.Waiting> Taken, List<OtlpLogHold.Waiting> StillWaiting)
    {
        /// <summary>The offers of the records that go in with the events: deleted in the transaction that appends them (<see cref="OtlpRows.UsedOffers"/>).</summary>
        public IReadOnlyList<string> UsedOffers { get; init; } = [];

        /// <summary>The rows to append with the events when a trace export brings none of its own.</summary>
        public OtlpRows? Rows => UsedOffers.Count == 0 ? null : OtlpRows.Using(UsedOffers);
    }

    /// <summary>
    /// The trace's events were stored (<paramref name="outcome"/>: the append's answer, when there was one): their spans
    /// are remembered, and what waits for others waits on.
    /// </summary>
    public void Stored(string traceId, string runId, TraceJoin join, string? rootSpan, IngestOutcome? outcome = null)
    {
        if (outcome is { Accepted: 0 } && join.UsedOffers.Count > 0)
        {
            // Every event was there already: no transaction appended, and none deleted the records' offers.
            offers.Forget(join.Taken.Where(t => !join.StillWaiting.Contains(t)));
        }
        foreach (var (span, step) in StepsOf(runId, join.Events))
        {
            index.RememberSpan(traceId, span, step);
        }
        if (rootSpan is not null)
        {
            index.RememberSpan(traceId, rootSpan, new OtlpTraceIndex.SpanStep(runId, null, null, null));
        }
        WaitOn(join.StillWaiting);
    }

    public void Refused(TraceJoin join) => WaitOn(join.Taken);

    /// <summary>
    /// What the store knows of these records' spans and traces that this instance does not (spans another instance took,
    /// or this one before a restart), into the index: one or two reads, only for what the index lacks.
    /// </summary>
    private void Recall(IEnumerable<OtlpLogRecord> records)
    {
        var unknown = records.Where(r => r.SpanId is { } span && index.StepOf(r.TraceId, span) is null).ToList();
        if (unknown.Count == 0)
        {
            return;
        }
        foreach (var (trace, span, step) in store.FindSpans(unknown.Select(r => (r.TraceId, r.SpanId!))))
        {
            index.RememberSpan(trace, span, step);
        }
        var runless = unknown.Where(r => index.StepOf(r.TraceId, r.SpanId!) is null && r.NamedRunId is null && index.KnownRunOf(r.TraceId) is null)
            .Select(r => r.TraceId).ToList();
        foreach (var (trace, run) in runless.Count == 0 ? [] : store.RunsOf(runless))
        {
            index.RememberRun(trace, run);
        }
    }

    /// <summary>
    /// Records waiting here whose spans another instance has stored since (its trace export could not take them: they
    /// wait in this instance's memory): onto their steps, if their runs are open. Returns how many went in.
    /// </summary>
    public async Task<int> PlaceStoredAsync(CancellationToken cancellationToken)
    {
        var waiting = hold.WaitingSpans(max: 2_000);
        if (waiting.Count == 0)
        {
            return 0;
        }
        var placed = 0;
        foreach (var trace in store.FindSpans(waiting).GroupBy(f => f.Trace, StringComparer.Ordinal))
        {
            using var _ = await LockTracesAsync([trace.Key], cancellationToken);
            foreach (var (traceId, span, step) in trace)
            {
                index.RememberSpan(traceId, span, step);
            }
            var known = offers.KeepOwned(hold.TakeWhere(trace.Key, w => w.Record.SpanId is { } span && index.StepOf(w.Record.TraceId, span) is not null));
            foreach (var group in known.GroupBy(w => (RunId: RunOf(w.Record), w.Caller)))
            {
                var runId = group.Key.RunId;
                var run = RunFor(runId, group.Key.Caller);
                if (run is null || run.Status.IsTerminal())
                {
                    // Waits on, and goes the way of a record whose span never came.
                    WaitOn(group);
                    continue;
                }
                var (events, unplaced) = OtlpLogPlacement.Place(group.Select(w => w.Record), (t, s) => StepIn(runId, t, s), RunSpans(run), placeAll: false);
                var (used, waitsOn) = Split(group, unplaced);
                WaitOn(waitsOn);
                if (events.Count > 0 && await IngestAsync(runId, events, group.Key.Caller, used, cancellationToken) is null)
                {
                    placed += events.Count;
                }
                else
                {
                    WaitOn(used);
                }
            }
        }
        return placed;
    }

    /// <summary>
    /// Records waiting here for a trace whose run's end is about to be appended, by whichever instance: in now, before
    /// it, on their steps or (a span that has not come) as lines of the run, as the end's own append would put them.
    /// Returns how many went in.
    /// </summary>
    public async Task<int> PlaceBeforeEndAsync(string traceId, string runId, string? rootSpan, CancellationToken cancellationToken)
    {
        using var _ = await LockTracesAsync([traceId], cancellationToken);
        // A record that named another run waits on for that run, as at the end itself.
        var held = offers.KeepOwned(hold.TakeWhere(traceId, w => w.Record.NamedRunId is null || w.Record.NamedRunId == runId));
        var placed = 0;
        foreach (var group in held.GroupBy(w => w.Caller))
        {
            var run = RunFor(runId, group.Key);
            if (run is null || run.Status.IsTerminal())
            {
                WaitOn(group);
                continue;
            }
            var runSpans = RunSpans(run);
            if (rootSpan is not null)
            {
                runSpans.Add(rootSpan);
            }
            var (events, waiting) = OtlpLogPlacement.Place(group.Select(w => w.Record), (t, s) => StepIn(runId, t, s), runSpans, placeAll: true);
            var (used, waitsOn) = Split(group, waiting);
            WaitOn(waitsOn);
            if (events.Count > 0 && await IngestAsync(runId, events, group.Key, used, cancellationToken) is null)
            {
                placed += events.Count;
            }
            else
            {
                WaitOn(used);
            }
        }
        return placed;
    }

    /// <summary>
    /// Records that waited their time: into their runs if those are there and open (a span still unknown makes a line
    /// of the run), dropped otherwise. Returns how many were dropped.
    /// </summary>
    public async Task<long> ReleaseExpiredAsync(CancellationToken cancellationToken)
    {
        // Let go of here, not lost: their offers stay in the store, and come back as orphans once their time is up.
        if (hold.TakeEvictedCount() is > 0 and var evicted)
        {
            LogEvicted(logger, evicted);
        }
        long dropped = 0;
        foreach (var trace in hold.TakeExpired().Select(offers.KeepOwned))
        {
            foreach (var group in trace.GroupBy(w => (RunId: RunOf(w.Record), w.Caller)))
            {
                var runId = group.Key.RunId;
                var run = Ids.IsValid(runId) ? RunFor(runId, group.Key.Caller) : null;
                if (run is null || run.Status.IsTerminal())
                {
                    dropped += group.Count();
                    offers.Forget(group);
                    LogDropped(logger, group.Count(), group.First().Record.TraceId, run is null ? "no span of it came" : "its run had ended", hold.MaxWait.TotalSeconds);
                    continue;
                }
                var (events, _) = OtlpLogPlacement.Place(group.Select(w => w.Record), (trace, span) => StepIn(runId, trace, span), RunSpans(run), placeAll: true);
                if (await IngestAsync(runId, events, group.Key.Caller, [.. group], cancellationToken) is { } problem)
                {
                    dropped += events.Count;
                    offers.Forget(group);
                    LogDropped(logger, events.Count, group.First().Record.TraceId, problem, hold.MaxWait.TotalSeconds);
                }
            }
        }
        return dropped;
    }

    // A run outside the key's workflows does not exist for it (as for ingestion): its records wait, and are dropped.
    private RunRecord? RunFor(string runId, Caller caller) =>
        queries.FindRecord(runId) is { } run && caller.Sees(run.WorkflowId) ? run : null;

    // The run its span went to, which may not be the one it names (a run.id on the root that came too late, see
    // OtlpExports.RunOfTrace); else the one it names; else its trace's.
    private string RunOf(OtlpLogRecord record) =>
        (record.SpanId is { } span ? index.StepOf(record.TraceId, span)?.RunId : null) ?? record.NamedRunId ?? index.RunOf(record.TraceId);

    private OtlpTraceIndex.SpanStep? StepIn(string runId, string trace, string span) => index.StepOf(trace, span) is { } step && step.RunId == runId ? step : null;

    private static HashSet<string> RunSpans(RunRecord run) =>
        run.TelemetrySpanId is { } span ? new HashSet<string>(StringComparer.Ordinal) { span } : [];

    /// <summary>The step each span of a trace export's events became, and the root's span as the run's own: what is stored with them.</summary>
    public static List<KeyValuePair<string, OtlpTraceIndex.SpanStep>> SpansOf(string runId, IEnumerable<RunEvent> events, string? rootSpan)
    {
        var spans = StepsOf(runId, events).ToList();
        if (rootSpan is not null)
        {
            spans.Add(new(rootSpan, new OtlpTraceIndex.SpanStep(runId, null, null, null)));
        }
        return spans;
    }

    // The step each span of these events became (their start's event id names the span: SpanMapping).
    private static Dictionary<string, OtlpTraceIndex.SpanStep> StepsOf(string runId, IEnumerable<RunEvent> events)
    {
        var steps = new Dictionary<string, OtlpTraceIndex.SpanStep>(StringComparer.Ordinal);
        foreach (var started in events.OfType<StepStarted>())
        {
            if (SpanMapping.SpanIdOf(started) is { } span)
            {
                steps[span] = new OtlpTraceIndex.SpanStep(runId, started.StepId, started.Attempt, started.LoopIndex);
            }
        }
        return steps;
    }

    // Of records placed: those that went into the events, and those that wait on for their spans.
    private static (List<OtlpLogHold.Waiting> Used, List<OtlpLogHold.Waiting> WaitsOn) Split(IEnumerable<OtlpLogHold.Waiting> group, IReadOnlyCollection<OtlpLogRecord> waiting)
    {
        var still = new HashSet<OtlpLogRecord>(waiting, ReferenceEqualityComparer.Instance);
        var used = new List<OtlpLogHold.Waiting>();
        var waitsOn = new List<OtlpLogHold.Waiting>();
        foreach (var item in group)
        {
            (still.Contains(item.Record) ? waitsOn : used).Add(item);
        }
        return (used, waitsOn);
    }

    /// <summary>
    /// These events into their run, the offers of the records they hold (<paramref name="used"/>) deleted in the same
    /// transaction: a kill before it leaves the records offered, one after it leaves none to be used again.
    /// </summary>
    private async Task<string?> IngestAsync(string runId, IReadOnlyList<RunEvent> events, Caller caller, IReadOnlyList<OtlpLogHold.Waiting> used, CancellationToken cancellationToken)
    {
        var keys = OtlpContentOffers.KeysOf(used);
        var outcome = await ingestion.IngestAsync(runId, events, null, caller, cancellationToken, keys.Count == 0 ? null : OtlpRows.Using(keys));
        if (outcome is { Succeeded: true, Accepted: 0 } && keys.Count > 0)
        {
            // Every event was there already: no transaction appended, and none deleted the records' offers.
            offers.Forget(used);
        }
        return outcome.Succeeded ? null : $"run {runId}: {outcome.Message}";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP logs: {Count} record(s) of trace {TraceId} dropped after waiting {Seconds} s: {Reason}")]
    private static partial void LogDropped(ILogger logger, int count, string traceId, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP logs: {Count} record(s) waiting for their spans let go of to stay within the hold's bounds (they wait on in the store, and are placed or dropped when their time is up)")]
    private static partial void LogEvicted(ILogger logger, long count);
}
