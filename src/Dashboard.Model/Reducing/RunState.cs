using System.Runtime.InteropServices;
using System.Text.Json;
using Dashboard.Model.Runs;

namespace Dashboard.Model.Reducing;

/// <summary>
/// A run's state as the reducer builds it: the record, and every attempt of every (step, loop iteration) in
/// the order the steps first started. Mutated only by <see cref="RunReducer"/>; while a batch is applied,
/// every change is journalled so that a rejected batch leaves the state exactly as it was.
/// </summary>
public sealed class RunState
{
    private readonly Dictionary<StepKey, StepHistory> _steps = [];
    private readonly List<StepKey> _order = [];
    private readonly Dictionary<StepKey, int> _orderIndex = [];

    /// <summary>Entries (the step itself, or its loop iterations) per step id: how many distinct steps the run has.</summary>
    private readonly Dictionary<string, int> _entriesPerStep = new(StringComparer.Ordinal);
    /// <summary>The event ids seen, as <see cref="EventIdHash"/>es: about 50 bytes each where the strings took about 140.</summary>
    private readonly HashSet<EventIdHash> _eventIds = [];
    /// <summary>Attempts of every entry, kept as the histories change: asked for at every batch (a cache sizes states by it).</summary>
    private int _attemptCount;
    /// <summary>
    /// The payload bytes the attempts hold (<see cref="HeldPayloadBytes"/>), kept as the histories change: a running
    /// attempt keeps its input until it ends, and a cache sizes states by it too.
    /// </summary>
    private long _payloadBytes;

    /// <summary>For a viewer's state: the histories held without an object per attempt (the fields above stay empty).</summary>
    private readonly CompactSteps? _compact;
    /// <summary>The steps changed since changes were last taken, each with its history before the first of them (null: new, or held compact).</summary>
    private Dictionary<StepKey, StepHistory?>? _changed;

    /// <summary>Ended attempts whose payloads were let go of (<see cref="DropEndedPayloads"/>), by reference.</summary>
    private HashSet<StepTrace>? _withoutPayloads;

    // The journal of the batch being applied: what a rollback restores. Values, not closures: a closure per change was
    // an allocation per event on the ingestion path.
    private bool _inBatch;
    private (RunRecord? Record, string? Offset, int? AnnouncedStepCount, int LogCount) _beforeBatch;
    private readonly List<(StepKey Key, StepHistory? Previous)> _stepsBefore = [];
    private readonly List<EventIdHash> _eventIdsAdded = [];

    // The record's derived fields (event count, last event time, step count), brought up to date once per batch rather
    // than once per event: the record has some forty fields, and copying it at every event was a tenth of what
    // ingestion allocated. Nothing the reducer checks within a batch reads them.
    private int _unstampedEvents;
    private DateTimeOffset? _unstampedLatest;
    private bool _stepCountStale;

    public RunState(string runId)
        : this(runId, compact: false)
    {
    }

    private RunState(string runId, bool compact)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        RunId = runId;
        _compact = compact ? new CompactSteps() : null;
    }

    public string RunId { get; }

    /// <summary>
    /// A state rebuilt from a snapshot the service served (the record and every attempt, in the order steps first
    /// started, as of <paramref name="offset"/>), so that events after that offset can be applied with the reducer.
    /// Event ids seen before the snapshot are not known to it: live events are de-duplicated by offset instead.
    /// A <paramref name="compact"/> state (a viewer's of a big run) holds its attempts as rows of arrays, not objects,
    /// and keeps no payloads: its histories are made when asked for.
    /// </summary>
    public static RunState FromSnapshot(RunRecord record, IEnumerable<StepTrace> attempts, string? offset, bool compact = false)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(attempts);
        var state = new RunState(record.Id, compact) { Record = record, Offset = offset };
        foreach (var attempt in attempts)
        {
            var key = new StepKey(attempt.StepId, attempt.LoopIndex);
            var history = state.GetStep(key);
            state.SetStep(history is null ? new StepHistory(key, [attempt]) : history.Append(attempt));
        }
        state._compact?.TrimExcess();
        // A step count above the steps seen so far was announced by the engine; otherwise it is derived.
        state.AnnouncedStepCount = record.StepCount > state.DistinctStepCount ? record.StepCount : null;
        return state;
    }

    /// <summary>Null until <c>run_started</c> has been applied.</summary>
    public RunRecord? Record { get; private set; }

    /// <summary>The stream offset of the last applied event that carried one.</summary>
    public string? Offset { get; private set; }

    public int? AnnouncedStepCount { get; private set; }

    public int LogCount { get; private set; }

    public IReadOnlyList<StepKey> StepOrder => _compact is null ? _order : Enumerable.Range(0, _compact.Count).Select(_compact.KeyAt).ToList();

    /// <summary>Distinct step ids seen: a loop's iterations are one step.</summary>
    public int DistinctStepCount => _compact?.DistinctStepIds ?? _entriesPerStep.Count;

    /// <summary>Entries: steps and loop iterations.</summary>
    public int StepEntryCount => _compact?.Count ?? _order.Count;

    /// <summary>Entries that are loop iterations.</summary>
    public int IterationCount => _compact?.IterationCount ?? _order.Count(k => k.LoopIndex is not null);

    /// <summary>Attempts of every entry.</summary>
    public int AttemptCount => _compact?.AttemptCount ?? _attemptCount;

    /// <summary>Event ids remembered to find resent events by.</summary>
    public int EventIdCount => _eventIds.Count;

    /// <summary>
    /// The bytes of the payloads the attempts hold (inputs, outputs, mapped outputs, errors' stacks and data), as their
    /// text: what running attempts keep until they end, and ended ones until <see cref="DropEndedPayloads"/>. 0 for a
    /// compact state, which keeps none.
    /// </summary>
    public long HeldPayloadBytes => _payloadBytes;

    public IEnumerable<StepHistory> Steps
    {
        get
        {
            if (_compact is { } compact)
            {
                for (var i = 0; i < compact.Count; i++)
                {
                    yield return compact.HistoryAt(i);
                }
                yield break;
            }
            foreach (var key in _order)
            {
                yield return _steps[key];
            }
        }
    }

    /// <summary>The entry at a place in the order steps first started.</summary>
    public StepHistory StepAt(int order) => _compact?.HistoryAt(order) ?? _steps[_order[order]];

    /// <summary>The latest attempt of the entry at <paramref name="order"/> (a compact state makes only that one).</summary>
    public StepTrace LatestAt(int order) => _compact?.LatestAt(order) ?? _steps[_order[order]].Latest;

    /// <summary>Where the last bar of any attempt ends on a timeline (see <see cref="CompactSteps.LatestBarEnd"/>).</summary>
    public DateTimeOffset LatestBarEnd(DateTimeOffset origin, DateTimeOffset now)
    {
        if (_compact is { } compact)
        {
            return compact.LatestBarEnd(origin, now);
        }
        var latest = origin;
        foreach (var attempt in Steps.SelectMany(s => s.Attempts))
        {
            var end = CompactSteps.BarEnd(attempt, origin, now);
            latest = end > latest ? end : latest;
        }
        return latest;
    }

    /// <summary>When the earliest attempt started (see <see cref="CompactSteps.EarliestStart"/>).</summary>
    public DateTimeOffset? EarliestStart()
    {
        if (_compact is { } compact)
        {
            return compact.EarliestStart();
        }
        DateTimeOffset? earliest = null;
        foreach (var attempt in Steps.SelectMany(s => s.Attempts))
        {
            if (CompactSteps.StartOf(attempt) is { } start && (earliest is null || start < earliest))
            {
                earliest = start;
            }
        }
        return earliest;
    }

    public StepKey KeyAt(int order) => _compact?.KeyAt(order) ?? _order[order];

    public StepHistory? GetStep(StepKey key) => _compact is null ? _steps.GetValueOrDefault(key) : _compact.Get(key);

    /// <summary>Where a step stands in the order steps first started; -1 if unknown.</summary>
    public int OrderOf(StepKey key) => _compact?.IndexOf(key) ?? (_orderIndex.TryGetValue(key, out var index) ? index : -1);

    /// <summary>
    /// Records the stream position these events now end at, when they were applied before the store placed them
    /// (the service applies a batch, then appends it).
    /// </summary>
    public void AdvanceOffset(string offset)
    {
        ArgumentException.ThrowIfNullOrEmpty(offset);
        Offset = offset;
    }

    public StepHistory? GetStep(string stepId, int? loopIndex = null) => GetStep(new StepKey(stepId, loopIndex));

    /// <summary>All loop iterations of one step id, by index.</summary>
    public IEnumerable<StepHistory> Iterations(string stepId) =>
        _compact is { } compact
            ? compact.Iterations(stepId).Select(compact.HistoryAt)
            : Steps.Where(s => s.Key.StepId == stepId && s.Key.LoopIndex is not null).OrderBy(s => s.Key.LoopIndex);

    public bool HasSeenEventId(string eventId) => _eventIds.Contains(EventIdHash.Of(eventId));

    /// <summary>Seed 001's <c>Trace</c>: the summary and the latest attempt of each entry, with the attempt count.</summary>
    public Trace ToTrace()
    {
        var record = Record ?? throw new InvalidOperationException("The run has not started.");
        var steps = new List<StepTrace>(StepEntryCount);
        foreach (var history in Steps)
        {
            steps.Add(history.Latest with { AttemptCount = history.Attempts.Count });
        }
        return new Trace { FlowRun = record.ToSummary(), Steps = steps, Offset = Offset };
    }

    public StepAttempts? ToStepAttempts(string stepId, int? loopIndex) =>
        GetStep(stepId, loopIndex) is { } history
            ? new StepAttempts { StepId = stepId, LoopIndex = loopIndex, Attempts = history.Attempts }
            : null;

    /// <summary>From now on, remember which steps change (for a store that rewrites only those).</summary>
    public void TrackChanges() => _changed ??= [];

    /// <summary>The steps changed since the last call (empty unless <see cref="TrackChanges"/> was called).</summary>
    public IReadOnlyCollection<StepKey> TakeChanges()
    {
        if (_changed is null || _changed.Count == 0)
        {
            return [];
        }
        var changed = _changed.Keys.ToArray();
        _changed.Clear();
        return changed;
    }

    /// <summary>
    /// The steps changed since the last call, each with its history as it was before them (null for a step that is new,
    /// or whose history was not kept whole): a store rewrites only the attempts that differ from it.
    /// </summary>
    public IReadOnlyList<StepChange> TakeStepChanges()
    {
        if (_changed is null || _changed.Count == 0)
        {
            return [];
        }
        var changed = _changed.Select(c => new StepChange(c.Key, c.Value)).ToArray();
        _changed.Clear();
        return changed;
    }

    internal void BeginBatch()
    {
        _inBatch = true;
        _beforeBatch = (Record, Offset, AnnouncedStepCount, LogCount);
        _stepsBefore.Clear();
        _eventIdsAdded.Clear();
    }

    internal void CommitBatch()
    {
        _inBatch = false;
        _stepsBefore.Clear();
        _eventIdsAdded.Clear();
        UpdateDerivedFields();
    }

    internal void RollbackBatch()
    {
        if (!_inBatch)
        {
            return;
        }
        _inBatch = false;
        for (var i = _stepsBefore.Count - 1; i >= 0; i--)
        {
            var (key, previous) = _stepsBefore[i];
            RestoreStep(key, previous);
        }
        foreach (var eventId in _eventIdsAdded)
        {
            _eventIds.Remove(eventId);
        }
        _stepsBefore.Clear();
        _eventIdsAdded.Clear();
        (Record, Offset, AnnouncedStepCount, LogCount) = _beforeBatch;
        _unstampedEvents = 0;
        _unstampedLatest = null;
        _stepCountStale = false;
    }

    private void RestoreStep(StepKey key, StepHistory? previous)
    {
        if (_compact is { } compact)
        {
            if (previous is null)
            {
                compact.RemoveLast();
            }
            else
            {
                compact.Set(previous);
            }
            return;
        }
        _attemptCount += (previous?.Attempts.Count ?? 0) - _steps[key].Attempts.Count;
        CountPayloads(_steps[key], previous);
        if (previous is not null)
        {
            _steps[key] = previous;
            return;
        }
        _steps.Remove(key);
        _orderIndex.Remove(key);
        _order.RemoveAt(_order.Count - 1);
        if (--_entriesPerStep[key.StepId] == 0)
        {
            _entriesPerStep.Remove(key.StepId);
        }
    }

    internal void SetRecord(RunRecord record) => Record = record;

    /// <summary>An event was applied at <paramref name="at"/>: counted in the record at the batch's end (at once outside a batch).</summary>
    internal void Stamp(DateTimeOffset at)
    {
        _unstampedEvents++;
        if (_unstampedLatest is not { } latest || at > latest)
        {
            _unstampedLatest = at;
        }
        if (!_inBatch)
        {
            UpdateDerivedFields();
        }
    }

    /// <summary>A step was added: the record's step count is worked out again with the event's stamp.</summary>
    internal void StepCountChanged() => _stepCountStale = true;

    private void UpdateDerivedFields()
    {
        if (Record is { } record)
        {
            var stepCount = _stepCountStale ? AnnouncedStepCount ?? DistinctStepCount : record.StepCount;
            if (_unstampedEvents > 0 || stepCount != record.StepCount)
            {
                Record = record with
                {
                    EventCount = record.EventCount + _unstampedEvents,
                    LastEventAt = record.LastEventAt is { } last && (_unstampedLatest is not { } latest || last > latest) ? last : _unstampedLatest,
                    StepCount = stepCount,
                };
            }
        }
        _unstampedEvents = 0;
        _unstampedLatest = null;
        _stepCountStale = false;
    }

    internal void SetStep(StepHistory history)
    {
        // The first change of a step since changes were taken keeps what it was; a rejected batch's changes are taken
        // and dropped by the caller, so a history restored by a rollback is never compared against.
        _changed?.TryAdd(history.Key, _compact is null ? _steps.GetValueOrDefault(history.Key) : null);
        if (_compact is { } compact)
        {
            if (_inBatch)
            {
                _stepsBefore.Add((history.Key, compact.Get(history.Key)));
            }
            compact.Set(history);
            return;
        }
        if (_steps.TryGetValue(history.Key, out var previous))
        {
            _attemptCount -= previous.Attempts.Count;
            if (_inBatch)
            {
                _stepsBefore.Add((history.Key, previous));
            }
        }
        else
        {
            _orderIndex[history.Key] = _order.Count;
            _order.Add(history.Key);
            var stepId = history.Key.StepId;
            _entriesPerStep[stepId] = _entriesPerStep.GetValueOrDefault(stepId) + 1;
            if (_inBatch)
            {
                _stepsBefore.Add((history.Key, null));
            }
        }
        _steps[history.Key] = history;
        _attemptCount += history.Attempts.Count;
        CountPayloads(previous, history);
    }

    // Histories only ever change by a copy that keeps the attempts it does not change: only the attempts that are not
    // the same objects are counted (a step polled hundreds of times would otherwise be summed whole at every try).
    private void CountPayloads(StepHistory? before, StepHistory? after)
    {
        var (was, now) = (before?.Attempts, after?.Attempts);
        var count = Math.Max(was?.Count ?? 0, now?.Count ?? 0);
        for (var i = 0; i < count; i++)
        {
            var old = was is not null && i < was.Count ? was[i] : null;
            var current = now is not null && i < now.Count ? now[i] : null;
            if (!ReferenceEquals(old, current))
            {
                _payloadBytes += (current is null ? 0 : PayloadBytesOf(current)) - (old is null ? 0 : PayloadBytesOf(old));
            }
        }
    }

    /// <summary>An attempt's payloads as their UTF-8 text (a string as two bytes a character): what holding them costs, give or take their parsed index.</summary>
    private static long PayloadBytesOf(StepTrace attempt)
    {
        static long Of(JsonElement? value) => value is { } v ? JsonMarshal.GetRawUtf8Value(v).Length : 0;
        return Of(attempt.InputContext) + Of(attempt.OutputContext) + Of(attempt.MappedOutput)
            + (attempt.ErrorContext is { } error ? 2L * (error.Stack?.Length ?? 0) + Of(error.Data) : 0);
    }

    /// <summary>
    /// Lets go of the payloads of the ended attempts of these steps (all steps when null): for a state that is only reduced
    /// on and written from, such as the runs service's between batches. An ended attempt is never changed again, and its
    /// stored row already holds its payloads; a running run of a thousand steps with snapshot-sized payloads otherwise
    /// kept hundreds of megabytes in memory until it ended. The one write such an attempt can still need (it stops being
    /// its step's latest) is told apart by <see cref="HeldWithoutPayloads"/> and made from the stored row.
    /// </summary>
    public void DropEndedPayloads(IEnumerable<StepKey>? keys = null)
    {
        if (_compact is not null || _inBatch)
        {
            // A compact state holds no payloads; inside a batch a rollback must find the attempts it journalled.
            return;
        }
        foreach (var key in keys ?? _order)
        {
            if (!_steps.TryGetValue(key, out var history))
            {
                continue;
            }
            StepTrace[]? attempts = null;
            for (var i = 0; i < history.Attempts.Count; i++)
            {
                var attempt = history.Attempts[i];
                if (i == history.Attempts.Count - 1 && attempt is { Status: StepStatus.Failed, WillRetry: true })
                {
                    // Its retry is on the way and will make it an earlier attempt, written again: from memory, not from
                    // the store (a read per retry cost a poll of 400 tries about a sixth more CPU per try).
                    continue;
                }
                if (EndedPayloads.Without(attempt) is not { } hollow)
                {
                    continue;
                }
                attempts ??= [.. history.Attempts];
                attempts[i] = hollow;
                (_withoutPayloads ??= new HashSet<StepTrace>(ReferenceEqualityComparer.Instance)).Add(hollow);
            }
            if (attempts is not null)
            {
                // Not a change: nothing a store holds differs (the change set compares attempts by reference, and the
                // next batch's "before" is this history).
                _steps[key] = history with { Attempts = attempts };
                CountPayloads(history, _steps[key]);
            }
        }
    }

    /// <summary>Whether this attempt is held without its payloads (<see cref="DropEndedPayloads"/>): its stored row has them.</summary>
    public bool HeldWithoutPayloads(StepTrace attempt) => _withoutPayloads?.Contains(attempt) == true;

    internal void RememberEventId(string eventId)
    {
        var hash = EventIdHash.Of(eventId);
        if (_eventIds.Add(hash) && _inBatch)
        {
            _eventIdsAdded.Add(hash);
        }
    }

    internal void SetOffset(string offset) => Offset = offset;

    internal void SetAnnouncedStepCount(int? count) => AnnouncedStepCount = count;

    internal void CountLog() => LogCount++;
}
