using Dashboard.Model.Events;
using Dashboard.Model.Reducing;
using Dashboard.Model.Rollups;
using Dashboard.Model.Runs;

namespace Dashboard.Model;

/// <summary>
/// What the run page shows of one run, as a plain model: the run's state (moved on by live events through the same
/// reducer the service uses), the header record, every attempt, the rollups, the timeline rows for the current filter
/// and folds, and a version per step so that the selected step's panel reloads only when that step changed. A big run
/// arrives in two parts (its first attempts, then all of them): <see cref="IsPartial"/> until the whole is shown.
/// A step that started child runs can unfold them: their steps join the rows, on this run's axis.
/// The page keeps the URL, navigation and markup.
/// </summary>
public sealed class RunView
{
    private readonly HashSet<string> _expandedLoops = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unfoldedChildren = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ChildTimeline> _childTimelines = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, IReadOnlyList<RunRecord>> _childrenByStep = new Dictionary<string, IReadOnlyList<RunRecord>>();
    private readonly Dictionary<StepKey, int> _stepVersions = [];
    private readonly Dictionary<string, int> _stepIdVersions = new(StringComparer.Ordinal);
    private RunState? _state;
    private TimelineFilter _filter = new();
    private int _expandedVersion;

    /// <summary>Moves with each change of the attempts (a first read, the whole, live events): rows are made again then.</summary>
    private int _attemptsVersion;
    private (int, TimelineFilter, int, RunRecord?) _rowsBuiltFrom;
    private IReadOnlyList<StepTrace> _firstAttempts = [];

    /// <summary>The run's header: from the prerender's read, the first part, or the whole.</summary>
    public RunRecord? Record { get; private set; }

    /// <summary>
    /// Every attempt shown, in the order steps first started, made on demand: the whole run is held compactly (a
    /// 100,000-step run's attempts as objects would outweigh the rest of the page).
    /// </summary>
    public IEnumerable<StepTrace> Attempts => _state is { } state ? state.Steps.SelectMany(s => s.Attempts) : _firstAttempts;

    /// <summary>How many attempts are shown (of <see cref="AttemptCount"/> while <see cref="IsPartial"/>).</summary>
    public int ShownAttemptCount => _state?.AttemptCount ?? _firstAttempts.Count;

    /// <summary>What the timeline holds, as the caption under it says it.</summary>
    public string ShownText { get; private set; } = DisplayFormat.AttemptsShown([]);

    /// <summary>The run's and its children's rollups; null until every attempt is here.</summary>
    public FamilyRollup? Rollup { get; private set; }

    public IReadOnlyList<RunRecord> Children
    {
        get;
        private set
        {
            field = value;
            _childrenByStep = ChildRows.ByStep(value);
        }
    } = [];

    /// <summary>The child runs that name <paramref name="stepId"/> as the step that started them.</summary>
    public IReadOnlyList<RunRecord> ChildrenStartedBy(string stepId) => _childrenByStep.GetValueOrDefault(stepId) ?? [];

    /// <summary>Steps whose child runs are unfolded in the timeline.</summary>
    public IReadOnlySet<string> UnfoldedChildren => _unfoldedChildren;

    public IReadOnlyList<RunRollup> ChildRollups { get; private set; } = [];

    /// <summary>How many child rollups one re-read of the children reads at most (the rest wait for the next).</summary>
    public const int ChildRollupsPerRead = 20;

    /// <summary>
    /// For each child whose rollup is held: its event count when that rollup was read, and the order of the reads, so
    /// a child that moved on is read again and the children waiting longest go first.
    /// </summary>
    private readonly Dictionary<string, (int EventCount, long Read)> _childRollupsRead = new(StringComparer.Ordinal);
    private long _childRollupReads;

    /// <summary>Only the first attempts of a big run are shown; <see cref="AttemptCount"/> says how many it has.</summary>
    public bool IsPartial { get; private set; }

    public int AttemptCount { get; private set; }

    /// <summary>The whole run is here (as a state that live events move on).</summary>
    public bool IsComplete => _state is not null;

    /// <summary>The stream offset the state reflects: live events are followed from here.</summary>
    public string? Offset => _state?.Offset;

    public IReadOnlyList<TimelineRow> Rows { get; private set; } = [];

    public double AxisMs { get; private set; } = 1;

    /// <summary>
    /// How long before the run's own start the time axis begins: more than 0 when a step reported an earlier time than
    /// its run did (an engine's workers with clocks of their own), which the page says, as the axis no longer starts at
    /// the run's start.
    /// </summary>
    public double StepsBeforeRunMs { get; private set; }

    public TimelineFilter Filter => _filter;

    public IReadOnlySet<string> ExpandedLoops => _expandedLoops;

    /// <summary>The header only (prerendering): the steps come with the circuit.</summary>
    public void ShowHeader(RunRecord record) => Record = record;

    /// <summary>
    /// The first read: a whole run becomes the state; a big one shows its first attempts, without rollups, until
    /// <see cref="ShowWhole"/>.
    /// </summary>
    public void ShowFirst(RunSnapshot snapshot, IReadOnlyList<RunRecord> children, IReadOnlyList<RunRollup> childRollups, DateTimeOffset now)
    {
        (Children, ChildRollups) = (children, childRollups);
        _childRollupsRead.Clear();
        var withRollups = childRollups.Select(r => r.RunId).ToHashSet(StringComparer.Ordinal);
        foreach (var child in children.Where(c => withRollups.Contains(c.Id)))
        {
            _childRollupsRead[child.Id] = (child.EventCount, ++_childRollupReads);
        }
        // Read again, the children are folded: what was unfolded was read before and may be stale.
        _unfoldedChildren.Clear();
        _childTimelines.Clear();
        if (snapshot.IsComplete)
        {
            _state = RunState.FromSnapshot(snapshot.Record, snapshot.Attempts, snapshot.Offset, compact: true);
            _firstAttempts = [];
            IsPartial = false;
            Project();
        }
        else
        {
            _state = null;
            IsPartial = true;
            Record = snapshot.Record;
            _firstAttempts = snapshot.Attempts;
            AttemptCount = snapshot.AttemptCount ?? 0;
            Rollup = null;
            ShownText = DisplayFormat.AttemptsShown(snapshot.Attempts);
        }
        _attemptsVersion++;
        BuildRows(now);
    }

    /// <summary>
    /// Every attempt of a big run made into a state, its projection and its rows: pure, for a thread other than the
    /// circuit's (11,000 attempts take a few hundred milliseconds to read and reduce; a click should not wait on that).
    /// </summary>
    public static WholeRun Prepare(RunSnapshot snapshot, IReadOnlyList<RunRollup> childRollups, IReadOnlySet<string> expandedLoops, TimelineFilter filter,
        DateTimeOffset now)
    {
        var state = RunState.FromSnapshot(snapshot.Record, snapshot.Attempts, snapshot.Offset, compact: true);
        var rows = state.Record is null ? default : RowsOf(state.Record, state, now, expandedLoops, filter);
        return new WholeRun(state, new HashSet<string>(expandedLoops, StringComparer.Ordinal), filter, rows.Rows, rows.AxisMs);
    }

    /// <summary>The whole run, prepared by <see cref="Prepare"/>; its rows are kept unless the folds or filter changed meanwhile.</summary>
    public void ShowWhole(WholeRun whole, DateTimeOffset now)
    {
        _state = whole.State;
        _firstAttempts = [];
        IsPartial = false;
        _attemptsVersion++;
        Project();
        if (whole.Rows is not null && whole.Filter == _filter && whole.ExpandedLoops.SetEquals(_expandedLoops) && Record is not null)
        {
            (Rows, AxisMs) = WithChildren(Record, whole.Rows, whole.AxisMs, now);
            _rowsBuiltFrom = (_attemptsVersion, _filter, _expandedVersion, Record);
        }
        else
        {
            BuildRows(now);
        }
    }

    /// <summary>
    /// Live events (each once, in stream order) move the state as they moved the service's; the steps they touch get a
    /// new version. <see cref="Refresh"/> then makes what is shown (the page throttles that).
    /// </summary>
    public void Apply(IReadOnlyList<RunEvent> events)
    {
        if (_state is null)
        {
            return;
        }
        _state.TrackChanges();
        foreach (var e in events)
        {
            // Duplicates (by offset) are dropped by the reducer.
            RunReducer.Apply(_state, e);
        }
        var changes = _state.TakeChanges();
        _attemptsVersion += changes.Count > 0 ? 1 : 0;
        foreach (var key in changes)
        {
            _stepVersions[key] = _stepVersions.GetValueOrDefault(key) + 1;
            _stepIdVersions[key.StepId] = _stepIdVersions.GetValueOrDefault(key.StepId) + 1;
        }
    }

    /// <summary>Makes the record, attempts, rollups and rows from the state (after live events).</summary>
    public void Refresh(DateTimeOffset now)
    {
        Project();
        BuildRows(now);
    }

    /// <summary>
    /// Changes only when the step's own attempts change (for a loop picked as a whole, any of its iterations): what the
    /// selected step's panel takes as its version, so that a busy run's other steps do not reload it.
    /// </summary>
    public int VersionOf(StepKey key) =>
        key.LoopIndex is null ? _stepIdVersions.GetValueOrDefault(key.StepId) : _stepVersions.GetValueOrDefault(key);

    public void SetFilter(TimelineFilter filter, DateTimeOffset now)
    {
        _filter = filter;
        BuildRows(now);
    }

    public void ToggleLoop(string stepId, DateTimeOffset now)
    {
        if (!_expandedLoops.Remove(stepId))
        {
            _expandedLoops.Add(stepId);
        }
        _expandedVersion++;
        BuildRows(now);
    }

    /// <summary>Unfolds a loop (a link to one of its iterations opens with the loop unfolded).</summary>
    public void Expand(string stepId, DateTimeOffset now)
    {
        if (_expandedLoops.Add(stepId))
        {
            _expandedVersion++;
            BuildRows(now);
        }
    }

    /// <summary>
    /// Unfolds (or folds) the child runs <paramref name="stepId"/> started; returns those unfolded that have not been read
    /// yet (for <see cref="ShowChild"/>), at most <see cref="ChildRows.MaxPerStep"/>.
    /// </summary>
    public IReadOnlyList<RunRecord> ToggleChildren(string stepId, DateTimeOffset now)
    {
        var unfolding = _unfoldedChildren.Add(stepId);
        if (!unfolding)
        {
            _unfoldedChildren.Remove(stepId);
        }
        _expandedVersion++;
        BuildRows(now);
        return unfolding ? ChildrenStartedBy(stepId).Take(ChildRows.MaxPerStep).Where(c => !_childTimelines.ContainsKey(c.Id)).ToList() : [];
    }

    /// <summary>
    /// The child runs read again (a run still going starts more): the steps' counts follow; returns the children of
    /// unfolded steps that have not been read yet (for <see cref="ShowChild"/>).
    /// </summary>
    public IReadOnlyList<RunRecord> UpdateChildren(IReadOnlyList<RunRecord> children, DateTimeOffset now)
    {
        Children = children;
        _expandedVersion++;
        BuildRows(now);
        return _unfoldedChildren.SelectMany(step => ChildrenStartedBy(step).Take(ChildRows.MaxPerStep)).Where(c => !_childTimelines.ContainsKey(c.Id)).ToList();
    }

    /// <summary>
    /// The children whose cost and tokens may have moved since their rollup was read (a child started or gone on since):
    /// at most <see cref="ChildRollupsPerRead"/>, those never read first, then those read longest ago.
    /// </summary>
    public IReadOnlyList<RunRecord> ChildrenWithStaleRollups() =>
        Children
            .Where(c => !_childRollupsRead.TryGetValue(c.Id, out var read) || read.EventCount != c.EventCount)
            .OrderBy(c => _childRollupsRead.TryGetValue(c.Id, out var read) ? read.Read : 0)
            .Take(ChildRollupsPerRead)
            .ToList();

    /// <summary>Children's rollups read again: the family's cost and tokens count them from now on.</summary>
    public void UpdateChildRollups(IReadOnlyList<(RunRecord Child, RunRollup Rollup)> read)
    {
        if (read.Count == 0)
        {
            return;
        }
        var byId = ChildRollups.ToDictionary(r => r.RunId, StringComparer.Ordinal);
        foreach (var (child, rollup) in read)
        {
            byId[child.Id] = rollup;
            _childRollupsRead[child.Id] = (child.EventCount, ++_childRollupReads);
        }
        // In the children's order, as the service lists them.
        var listed = Children.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        ChildRollups = [.. Children.Where(c => byId.ContainsKey(c.Id)).Select(c => byId[c.Id]), .. byId.Values.Where(r => !listed.Contains(r.RunId))];
        Project();
    }

    /// <summary>A child run read for its parent's timeline.</summary>
    public void ShowChild(ChildTimeline child, DateTimeOffset now)
    {
        _childTimelines[child.Record.Id] = child;
        _expandedVersion++;
        BuildRows(now);
    }

    public ChildTimeline? ChildTimelineOf(string childRunId) => _childTimelines.GetValueOrDefault(childRunId);

    /// <summary>Live events of an unfolded child: its rows are made again on the next <see cref="Refresh"/>.</summary>
    public void ApplyChild(string childRunId, IReadOnlyList<RunEvent> events)
    {
        if (_childTimelines.TryGetValue(childRunId, out var child))
        {
            child.Apply(events);
            _expandedVersion++;
        }
    }

    /// <summary>
    /// The entry a link means. A step named without an iteration that only ran in a loop (the live feed of older entries,
    /// a failure group's newest run, a hand-made link) means one of its iterations: the one that failed the run, else the
    /// last that failed, else the last one. Any other key is itself.
    /// </summary>
    public StepKey Resolve(StepKey key)
    {
        if (key.LoopIndex is not null || Record is null)
        {
            return key;
        }
        var attempts = AttemptsOf(key.StepId);
        if (attempts.Count == 0 || attempts.Any(a => a.LoopIndex is null) || (_state is { } state && state.GetStep(key) is not null))
        {
            return key;
        }
        if (Record.FailedStepId == key.StepId && Record.FailedStepLoopIndex is { } failedLoop && attempts.Any(a => a.LoopIndex == failedLoop))
        {
            return key with { LoopIndex = failedLoop };
        }
        var latest = attempts.GroupBy(a => a.LoopIndex!.Value).Select(g => g.MaxBy(a => a.Attempt)!).ToList();
        var lastFailed = latest.Where(a => a.Status == StepStatus.Failed).Select(a => (int?)a.LoopIndex).Max();
        return key with { LoopIndex = lastFailed ?? latest.Max(a => a.LoopIndex) };
    }

    /// <summary>The iterations of the loop <paramref name="key"/> belongs to, as rows (for the panel's iteration picker).</summary>
    public IReadOnlyList<TimelineRow> IterationsOf(StepKey key, DateTimeOffset now) =>
        key.LoopIndex is null || Record is null
            ? []
            : TimelineBuilder.Build(Record.ToSummary(), AttemptsOf(key.StepId), now, new HashSet<string> { key.StepId }, new TimelineFilter())
                .Where(r => r.Kind == TimelineRowKind.Iteration).ToList();

    private List<StepTrace> AttemptsOf(string stepId) =>
        _state is { } state
            ? state.Iterations(stepId).SelectMany(h => h.Attempts).ToList()
            : _firstAttempts.Where(a => a.StepId == stepId).ToList();

    private void Project()
    {
        if (_state is not null && ProjectionOf(_state, ChildRollups) is { } projection)
        {
            (Record, Rollup) = projection;
            AttemptCount = _state.AttemptCount;
            ShownText = DisplayFormat.AttemptsShown(AttemptCount, _state.DistinctStepCount, _state.IterationCount);
        }
    }

    /// <summary>What the page shows of a state besides its rows: the record and the rollups.</summary>
    private static (RunRecord Record, FamilyRollup Rollup)? ProjectionOf(RunState state, IReadOnlyList<RunRollup> childRollups)
    {
        if (state.Record is null)
        {
            return null;
        }
        var run = RollupCalculator.ForRun(state);
        // The panel lists the ten costliest steps; the other rows of a 10,000-step run need not live as long as the page.
        var family = RollupCalculator.ForFamily(run with { ByStep = Components.Controls.RollupPanel.Top(run.ByStep) }, childRollups);
        return (state.Record, family);
    }

    private void BuildRows(DateTimeOffset now)
    {
        if (Record is null)
        {
            return;
        }
        // Picking a step, an attempt or a tab changes nothing the rows are made of: a 10,000-step run's rows are not built
        // again for that. A run still going is, for its open bars to reach the present.
        var inputs = (_attemptsVersion, _filter, _expandedVersion, Record);
        if (Record.Status.IsTerminal() && _rowsBuiltFrom.Equals(inputs))
        {
            return;
        }
        _rowsBuiltFrom = inputs;
        var (rows, axisMs) = _state is { } state ? RowsOf(Record, state, now, _expandedLoops, _filter) : RowsOf(Record, _firstAttempts, now, _expandedLoops, _filter);
        (Rows, AxisMs) = WithChildren(Record, rows, axisMs, now);
    }

    /// <summary>
    /// The run's rows with its child runs woven in, and the axis they need (a child may outlast its parent). A big run's
    /// rows stay made on demand unless a step's children are unfolded (their rows are then made, for as long as that lasts).
    /// </summary>
    private (IReadOnlyList<TimelineRow> Rows, double AxisMs) WithChildren(RunRecord record, IReadOnlyList<TimelineRow> rows, double axisMs, DateTimeOffset now)
    {
        var summary = record.ToSummary();
        var origin = rows is LazyTimelineRows made ? made.Origin : TimelineBuilder.Origin(summary, Attempts.ToList(), now);
        StepsBeforeRunMs = summary.StartedAt is { } started && started > origin ? (started - origin).TotalMilliseconds : 0;
        if (rows is LazyTimelineRows lazy && _unfoldedChildren.Count == 0)
        {
            return (lazy.WithChildren(_childrenByStep), axisMs);
        }
        var woven = ChildRows.Weave(rows, _childrenByStep, _unfoldedChildren, _childTimelines, origin, now);
        return (woven, Math.Max(axisMs, TimelineBuilder.AxisMs(summary, woven, now, origin)));
    }

    private static (IReadOnlyList<TimelineRow> Rows, double AxisMs) RowsOf(
        RunRecord record, IReadOnlyList<StepTrace> attempts, DateTimeOffset now, IReadOnlySet<string> expandedLoops, TimelineFilter filter)
    {
        var summary = record.ToSummary();
        var origin = TimelineBuilder.Origin(summary, attempts, now);
        var rows = TimelineBuilder.Build(summary, attempts, now, expandedLoops, filter, origin);
        return (rows, TimelineBuilder.AxisMs(summary, rows, now, origin));
    }

    private static (IReadOnlyList<TimelineRow> Rows, double AxisMs) RowsOf(
        RunRecord record, RunState state, DateTimeOffset now, IReadOnlySet<string> expandedLoops, TimelineFilter filter) =>
        TimelineBuilder.BuildLazy(record.ToSummary(), state, now, expandedLoops, filter);
}

/// <summary>A big run's whole, prepared away from the circuit (<see cref="RunView.Prepare"/>), with the folds and filter its rows were made for.</summary>
public sealed record WholeRun(RunState State, IReadOnlySet<string> ExpandedLoops, TimelineFilter Filter, IReadOnlyList<TimelineRow>? Rows, double AxisMs);
