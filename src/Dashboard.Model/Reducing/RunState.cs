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
    private List<Action>? _undo;
    private HashSet<StepKey>? _changed;

    public RunState(string runId)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        RunId = runId;
    }

    public string RunId { get; }

    /// <summary>
    /// A state rebuilt from a snapshot the service served (the record and every attempt, in the order steps first
    /// started, as of <paramref name="offset"/>), so that events after that offset can be applied with the reducer.
    /// Event ids seen before the snapshot are not known to it: live events are de-duplicated by offset instead.
    /// </summary>
    public static RunState FromSnapshot(RunRecord record, IEnumerable<StepTrace> attempts, string? offset)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(attempts);
        var state = new RunState(record.Id) { Record = record, Offset = offset };
        foreach (var attempt in attempts)
        {
            var key = new StepKey(attempt.StepId, attempt.LoopIndex);
            var history = state.GetStep(key);
            state.SetStep(history is null ? new StepHistory(key, [attempt]) : history.Append(attempt));
        }
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

    public IReadOnlyList<StepKey> StepOrder => _order;

    /// <summary>Distinct step ids seen: a loop's iterations are one step.</summary>
    public int DistinctStepCount => _entriesPerStep.Count;

    public IEnumerable<StepHistory> Steps
    {
        get
        {
            foreach (var key in _order)
            {
                yield return _steps[key];
            }
        }
    }

    public StepHistory? GetStep(StepKey key) => _steps.GetValueOrDefault(key);

    /// <summary>Where a step stands in the order steps first started; -1 if unknown.</summary>
    public int OrderOf(StepKey key) => _orderIndex.TryGetValue(key, out var index) ? index : -1;

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
        Steps.Where(s => s.Key.StepId == stepId && s.Key.LoopIndex is not null).OrderBy(s => s.Key.LoopIndex);

    public bool HasSeenEventId(string eventId) => _eventIds.Contains(eventId);

    /// <summary>Seed 001's <c>Trace</c>: the summary and the latest attempt of each entry, with the attempt count.</summary>
    public Trace ToTrace()
    {
        var record = Record ?? throw new InvalidOperationException("The run has not started.");
        var steps = new List<StepTrace>(_order.Count);
        foreach (var key in _order)
        {
            var history = _steps[key];
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
