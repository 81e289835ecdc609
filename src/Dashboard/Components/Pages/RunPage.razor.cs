using System.Text.Json;
using Dashboard.Client;
using Dashboard.Client.Errors;
using Dashboard.Model;
using Dashboard.Model.Json;
using Dashboard.Model.Reducing;
using Dashboard.Model.Rollups;
using Dashboard.Model.Runs;
using Dashboard.Services;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Components.Pages;

/// <summary>
/// One run: header, error, rollups, the step timeline and the selected step. Every selection (step, loop iteration,
/// attempt, tab, compared attempts, timeline filter) is in the URL, so a link opens the run exactly there.
/// </summary>
public sealed partial class RunPage : IDisposable
{
    private sealed record Loaded(RunSnapshot Snapshot, IReadOnlyList<RunRollup> ChildRollups, IReadOnlyList<RunRecord> Children);

    private sealed record WholeRun(string? Offset, RunState State, Projection? Projection, IReadOnlyList<TimelineRow>? Rows, double AxisMs);

    private sealed record Projection(RunRecord Record, IReadOnlyList<StepTrace> Attempts, FamilyRollup Rollup);

    /// <summary>
    /// Attempts asked for first: a few screens of timeline. A run with more shows these at once and the rest when read
    /// (a 10,000-step run's whole timeline is megabytes to read and reduce before anything would show).
    /// </summary>
    private const int FirstAttempts = 200;

    private readonly ListLoadView<Loaded> _view = new(_ => false);
    private ListLoadView<WholeRun> _rest = new(_ => false);
    private bool _partial;
    private bool _restPending;
    private bool _stepLoaded;
    private int _attemptCount;
    private readonly HashSet<string> _expandedLoops = new(StringComparer.Ordinal);
    private RunRecord? _record;
    private IReadOnlyList<StepTrace> _attempts = [];
    private FamilyRollup? _rollup;
    private IReadOnlyList<RunRollup> _childRollups = [];
    private IReadOnlyList<RunRecord> _children = [];
    private IReadOnlyList<TimelineRow> _rows = [];
    private double _axisMs = 1;
    private bool _notFound;
    private string? _loadedRunId;
    private RunState? _state;
    private IDisposable? _following;
    private CallbackThrottler? _render;
    private int _expandedVersion;

    /// <summary>A step picked in the timeline, until the URL says it (with no attempt or comparison chosen).</summary>
    private StepKey? _picked;
    private (IReadOnlyList<StepTrace>, TimelineFilter, int, RunRecord?) _rowsBuiltFrom;

    [Parameter]
    public required string RunId { get; set; }

    [SupplyParameterFromQuery(Name = "step")]
    public string? Step { get; set; }

    [SupplyParameterFromQuery(Name = "loop")]
    public int? Loop { get; set; }

    [SupplyParameterFromQuery(Name = "attempt")]
    public int? Attempt { get; set; }

    [SupplyParameterFromQuery(Name = "tab")]
    public string? Tab { get; set; }

    [SupplyParameterFromQuery(Name = "compare")]
    public string? Compare { get; set; }

    [SupplyParameterFromQuery(Name = "failed")]
    public bool? Failed { get; set; }

    [SupplyParameterFromQuery(Name = "filter")]
    public string? Filter { get; set; }

    [Inject]
    public required IRunsClient Client { get; init; }

    [Inject]
    public required Security.ViewerScope Viewer { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required TimeDisplay Time { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    [Inject]
    public required BrowserInterop Browser { get; init; }

    [Inject]
    public required LiveUpdates Live { get; init; }

    private bool FailedOnly => Failed == true;

    private TimelineFilter CurrentFilter => new(FailedOnly, Filter);

    private string Title => _record is { } run ? $"{run.WorkflowName ?? run.WorkflowId} · {run.Id} · Runs dashboard" : "Run · Runs dashboard";

    /// <summary>The step in the URL; with none chosen, a failed run opens on the step that failed it.</summary>
    private StepKey? SelectedKey =>
        _picked is { } picked ? picked
        : Step is not null ? new StepKey(Step, Loop)
        : _record?.FailedStepId is { } failed ? new StepKey(failed, _record.FailedStepLoopIndex)
        : null;

    protected override void OnInitialized()
    {
        Time.Changed += OnTimeChanged;
        _render = new CallbackThrottler(() => InvokeAsync(RefreshFromState), TimeSpan.FromMilliseconds(100), Clock);
    }

    protected override async Task OnParametersSetAsync()
    {
        _picked = null;
        if (_loadedRunId != RunId)
        {
            _loadedRunId = RunId;
            _record = null;
            _expandedLoops.Clear();
            _expandedVersion++;
            await LoadAsync();
        }
        if (SelectedKey is { LoopIndex: not null } key && _expandedLoops.Add(key.StepId))
        {
            _expandedVersion++;
        }
        BuildRows();
    }

    private async Task LoadAsync()
    {
        if (!RendererInfo.IsInteractive)
        {
            await LoadHeaderAsync();
            return;
        }
        // A new load forgets the last one's rest (and its failure), and cancels it if it is still being read.
        _rest.Dispose();
        _rest = new(_ => false);
        _partial = _restPending = _stepLoaded = false;
        await _view.LoadAsync(async token =>
        {
            var run = Client.Run(RunId);
            var snapshot = run.TimelineAsync(FirstAttempts, cancellationToken: token);
            // A link to one run opens that run only: its child runs (of any workflow) are not part of what it grants.
            IReadOnlyList<RunRecord> children = Viewer.Access.RunId is null ? await run.ChildrenAsync(cancellationToken: token) : [];
            // The run's own rollup is computed here from its steps (and kept current by live events); the service's is
            // needed only for child runs, and for a run of 10,000 steps it is megabytes of per-step rows to skip.
            var childRollups = children.Count == 0 ? [] : (await run.RollupAsync(cancellationToken: token)).Children;
            return new Loaded(await snapshot, childRollups, children);
        });
        _notFound = _view.Error is RunNotFoundException;
        if (_view.Page is not { } page || _view.State != LoadState.Loaded)
        {
            return;
        }
        (_childRollups, _children) = (page.ChildRollups, page.Children);
        if (page.Snapshot.IsComplete)
        {
            // The page's state is the reducer's: built from the snapshot, moved on by the live events after its offset.
            _state = RunState.FromSnapshot(page.Snapshot.Record, page.Snapshot.Attempts, page.Snapshot.Offset);
            CopyFromState();
            await FollowLiveAsync(page.Snapshot.Offset);
            return;
        }
        // A big run: its first steps are on screen (and can be opened) while the rest loads; rollups wait for the whole.
        _state = null;
        _partial = true;
        _record = page.Snapshot.Record;
        _attempts = page.Snapshot.Attempts;
        _attemptCount = page.Snapshot.AttemptCount ?? 0;
        _rollup = null;
        BuildRows();
        // Read once these rows are on screen (OnAfterRenderAsync): reading and reducing the rest takes the same two cores
        // that the browser and the circuit need to show them.
        _restPending = true;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // A link to a step waits for that step too: its payloads may be megabytes, and they are what the link is for.
        if (!_restPending || (SelectedKey is not null && !_stepLoaded))
        {
            return;
        }
        _restPending = false;
        await LoadRestAsync();
        StateHasChanged();
    }

    /// <summary>Only while the rest waits on the step: otherwise each step read would render the whole page again.</summary>
    private EventCallback StepLoadedCallback => _restPending ? EventCallback.Factory.Create(this, () => _stepLoaded = true) : default;

    /// <summary>
    /// Every attempt of a big run, made into the page's state away from the circuit's thread (11,000 attempts take a few
    /// hundred milliseconds to read and reduce; a click on one of the first steps should not wait on that), then swapped in.
    /// </summary>
    private async Task LoadRestAsync()
    {
        var runId = RunId;
        var childRollups = _childRollups;
        // The rows are made there too, for the folds and filter of this moment; if they change meanwhile, again here.
        var (expanded, expandedVersion, filter) = (new HashSet<string>(_expandedLoops), _expandedVersion, CurrentFilter);
        await _rest.LoadAsync(token => Task.Run(async () =>
        {
            var snapshot = await Client.Run(runId).TimelineAsync(cancellationToken: token);
            var state = RunState.FromSnapshot(snapshot.Record, snapshot.Attempts, snapshot.Offset);
            var projection = Project(state, childRollups);
            var rows = projection is null ? default : RowsOf(projection.Record, projection.Attempts, Clock.GetUtcNow(), expanded, filter);
            return new WholeRun(snapshot.Offset, state, projection, rows.Rows, rows.AxisMs);
        }, token));
        if (_rest.Page is not { } whole || _rest.State != LoadState.Loaded || runId != RunId)
        {
            return;
        }
        _state = whole.State;
        _partial = false;
        Show(whole.Projection);
        if (whole.Rows is not null && expandedVersion == _expandedVersion && filter == CurrentFilter && _record is not null)
        {
            (_rows, _axisMs) = (whole.Rows, whole.AxisMs);
            _rowsBuiltFrom = (_attempts, filter, expandedVersion, _record);
        }
        else
        {
            BuildRows();
        }
        await FollowLiveAsync(whole.Offset);
    }

    /// <summary>
    /// Prerendering shows the header only (status, error, timings). The steps of a big run are thousands of rows that the
    /// circuit must load anyway; loading them for the prerendered HTML too doubled the time until the page answers.
    /// </summary>
    private async Task LoadHeaderAsync()
    {
        try
        {
            _record = await Client.Run(RunId).RecordAsync();
        }
        catch (RunNotFoundException)
        {
            _notFound = true;
        }
        catch (RunsClientException)
        {
            // The circuit loads again and says what went wrong, with a retry.
        }
    }

    private async Task FollowLiveAsync(string? offset)
    {
        _following?.Dispose();
        _following = null;
        if (_record is null || _record.Status.IsTerminal() || !RendererInfo.IsInteractive)
        {
            return;
        }
        // Without a subscription the page still works: the live chip says offline and Refresh reloads.
        var runId = RunId;
        _following = await Live.FollowRunAsync(runId, offset, events => OnRunEventsAsync(runId, events));
    }

    private Task OnRunEventsAsync(string runId, IReadOnlyList<Dashboard.Model.Events.RunEvent> events) => InvokeAsync(() =>
    {
        if (runId != RunId || _state is null)
        {
            return;
        }
        foreach (var e in events)
        {
            // Duplicates (by offset) are dropped by the reducer; the rest moves the state exactly as the service's did.
            RunReducer.Apply(_state, e);
        }
        _render?.Request();
    });

    private void RefreshFromState()
    {
        CopyFromState();
        BuildRows();
        StateHasChanged();
    }

    private void CopyFromState()
    {
        if (_state?.Record is not null)
        {
            Show(Project(_state, _childRollups));
        }
    }

    private void Show(Projection? projection)
    {
        if (projection is null)
        {
            return;
        }
        (_record, _attempts, _rollup) = (projection.Record, projection.Attempts, projection.Rollup);
        _attemptCount = _attempts.Count;
    }

    /// <summary>What the page shows of a state: the record, every attempt in order, the rollups.</summary>
    private static Projection? Project(RunState state, IReadOnlyList<RunRollup> childRollups)
    {
        if (state.Record is null)
        {
            return null;
        }
        var run = RollupCalculator.ForRun(state);
        // The panel lists the ten costliest steps; the other rows of a 10,000-step run need not live as long as the page.
        var family = RollupCalculator.ForFamily(run with { ByStep = Controls.RollupPanel.Top(run.ByStep) }, childRollups);
        return new Projection(state.Record, state.Steps.SelectMany(s => s.Attempts).ToList(), family);
    }

    private async Task ReloadAsync()
    {
        await LoadAsync();
        BuildRows();
    }

    private void BuildRows()
    {
        if (_record is null)
        {
            return;
        }
        // Picking a step, an attempt or a tab changes the URL and nothing the rows are made of: a 10,000-step run's rows
        // are not built again for that. A run still going is, for its open bars to reach the present.
        var inputs = (_attempts, CurrentFilter, _expandedVersion, _record);
        if (_record.Status.IsTerminal() && _rowsBuiltFrom.Equals(inputs))
        {
            return;
        }
        _rowsBuiltFrom = inputs;
        (_rows, _axisMs) = RowsOf(_record, _attempts, Clock.GetUtcNow(), _expandedLoops, CurrentFilter);
    }

    private static (IReadOnlyList<TimelineRow> Rows, double AxisMs) RowsOf(
        RunRecord record, IReadOnlyList<StepTrace> attempts, DateTimeOffset now, IReadOnlySet<string> expandedLoops, TimelineFilter filter)
    {
        var summary = record.ToSummary();
        var rows = TimelineBuilder.Build(summary, attempts, now, expandedLoops, filter);
        return (rows, TimelineBuilder.AxisMs(summary, rows, now));
    }

    private IReadOnlyList<TimelineRow> IterationsOf(StepKey key) =>
        key.LoopIndex is null
            ? []
            : TimelineBuilder.Build(_record!.ToSummary(), _attempts.Where(a => a.StepId == key.StepId).ToList(), Clock.GetUtcNow(), new HashSet<string> { key.StepId }, new TimelineFilter())
                .Where(r => r.Kind == TimelineRowKind.Iteration).ToList();

    private void ToggleLoop(string stepId)
    {
        if (!_expandedLoops.Remove(stepId))
        {
            _expandedLoops.Add(stepId);
        }
        _expandedVersion++;
        BuildRows();
    }

    /// <summary>
    /// The step opens at once; the URL follows (the navigation goes to the browser and back before the parameters say it,
    /// a round trip that is most of a click's time while the page is busy loading).
    /// </summary>
    private Task SelectRowAsync(TimelineRow row)
    {
        _picked = row.Key;
        return NavigateAsync(new() { ["step"] = row.StepId, ["loop"] = row.LoopIndex, ["attempt"] = null, ["compare"] = null });
    }

    private Task SelectIterationAsync(int loopIndex) =>
        NavigateAsync(new() { ["step"] = SelectedKey?.StepId, ["loop"] = loopIndex, ["attempt"] = null, ["compare"] = null });

    private async Task GoToFailingStepAsync()
    {
        await NavigateAsync(new() { ["step"] = _record!.FailedStepId, ["loop"] = _record.FailedStepLoopIndex, ["attempt"] = null, ["tab"] = "error", ["compare"] = null });
        // The panel opens beside (or, narrow, below) the timeline: bring it into sight, also inside a portal's iframe.
        await Browser.ScrollIntoViewWhenPresentAsync(".step-panel");
    }

    private Task SetAttemptAsync(int? attempt) => NavigateAsync(new() { ["step"] = SelectedKey?.StepId, ["loop"] = SelectedKey?.LoopIndex, ["attempt"] = attempt });

    private Task SetTabAsync(string tab) => NavigateAsync(new() { ["step"] = SelectedKey?.StepId, ["loop"] = SelectedKey?.LoopIndex, ["tab"] = tab });

    private Task SetCompareAsync(string? compare) => NavigateAsync(new() { ["step"] = SelectedKey?.StepId, ["loop"] = SelectedKey?.LoopIndex, ["compare"] = compare });

    private Task SetFailedOnlyAsync(bool on) => NavigateAsync(new() { ["failed"] = on ? true : null });

    private Task SetFilterAsync(string? text) => NavigateAsync(new() { ["filter"] = string.IsNullOrWhiteSpace(text) ? null : text });

    private Task NavigateAsync(Dictionary<string, object?> changes)
    {
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(changes));
        return Task.CompletedTask;
    }

    private async Task ExportTraceAsync()
    {
        var trace = await Client.Run(RunId).TraceAsync();
        var json = JsonSerializer.Serialize(trace, new JsonSerializerOptions(ModelJson.Options) { WriteIndented = true });
        await Browser.DownloadAsync($"{FileSafe(RunId)}-trace.json", json, "application/json");
    }

    private Task ExportCsvAsync() => Browser.DownloadAsync($"{FileSafe(RunId)}-steps.csv", StepsCsv.Write(_attempts), "text/csv");

    private static string FileSafe(string text) => new(text.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_').Take(80).ToArray());

    private void OnTimeChanged() => _ = InvokeAsync(StateHasChanged);

    public void Dispose()
    {
        Time.Changed -= OnTimeChanged;
        _following?.Dispose();
        _render?.Dispose();
        _view.Dispose();
        _rest.Dispose();
    }
}
