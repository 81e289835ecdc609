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
    private readonly HashSet<string> _eventIds = new(StringComparer.Ordinal);

    /// <summary>For a viewer's state: the histories held without an object per attempt (the fields above stay empty).</summary>
    private readonly CompactSteps? _compact;
    private List<Action>? _undo;
    private HashSet<StepKey>? _changed;

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
    public int AttemptCount => _compact?.AttemptCount ?? _steps.Values.Sum(s => s.Attempts.Count);

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

    public bool HasSeenEventId(string eventId) => _eventIds.Contains(eventId);

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
        var changed = _changed.ToArray();
        _changed.Clear();
        return changed;
    }

    internal void BeginBatch() => _undo = [];

    internal void CommitBatch() => _undo = null;

    internal void RollbackBatch()
    {
        var undo = _undo;
        _undo = null;
        if (undo is null)
        {
            return;
        }
        for (var i = undo.Count - 1; i >= 0; i--)
        {
            undo[i]();
        }
    }

    internal void SetRecord(RunRecord record)
    {
        var previous = Record;
        _undo?.Add(() => Record = previous);
        Record = record;
    }

    internal void SetStep(StepHistory history)
    {
        _changed?.Add(history.Key);
        if (_compact is { } compact)
        {
            if (_undo is not null)
            {
                var before = compact.Get(history.Key);
                _undo.Add(before is null ? compact.RemoveLast : () => compact.Set(before));
            }
            compact.Set(history);
            return;
        }
        if (_steps.TryGetValue(history.Key, out var previous))
        {
            _undo?.Add(() => _steps[history.Key] = previous);
        }
        else
        {
            _orderIndex[history.Key] = _order.Count;
            _order.Add(history.Key);
            var stepId = history.Key.StepId;
            _entriesPerStep[stepId] = _entriesPerStep.GetValueOrDefault(stepId) + 1;
            _undo?.Add(() =>
            {
                _steps.Remove(history.Key);
                _orderIndex.Remove(history.Key);
                _order.RemoveAt(_order.Count - 1);
                if (--_entriesPerStep[stepId] == 0)
                {
                    _entriesPerStep.Remove(stepId);
                }
            });
        }
        _steps[history.Key] = history;
    }

    internal void RememberEventId(string eventId)
    {
        if (_eventIds.Add(eventId))
        {
            _undo?.Add(() => _eventIds.Remove(eventId));
        }
    }

    internal void SetOffset(string offset)
    {
        var previous = Offset;
        _undo?.Add(() => Offset = previous);
        Offset = offset;
    }

    internal void SetAnnouncedStepCount(int? count)
    {
        var previous = AnnouncedStepCount;
        _undo?.Add(() => AnnouncedStepCount = previous);
        AnnouncedStepCount = count;
    }

    internal void CountLog()
    {
        _undo?.Add(() => LogCount--);
        LogCount++;
    }
}
