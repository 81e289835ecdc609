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

    /// <summary>
    /// Attempts asked for first: a few screens of timeline. A run with more shows these at once and the rest when read
    /// (a 10,000-step run's whole timeline is megabytes to read and reduce before anything would show).
    /// </summary>
    private const int FirstAttempts = 200;

    /// <summary>Attempts of an unfolded child run shown in its parent's timeline; its own page has the rest.</summary>
    private const int ChildAttempts = 500;

    private readonly ListLoadView<Loaded> _view = new(_ => false);
    private ListLoadView<WholeRun> _rest = new(_ => false);
    private RunView _run = new();
    private bool _restPending;
    private bool _stepLoaded;
    private bool _notFound;
    private string? _loadedRunId;
    private IDisposable? _following;

    /// <summary>Unfolded child runs that are still going, followed live like the run itself.</summary>
    private readonly Dictionary<string, IDisposable> _childFollowing = new(StringComparer.Ordinal);
    private string? _childProblem;
    private CallbackThrottler? _render;
    private CallbackThrottler? _childrenReread;
    private bool _disposed;

    /// <summary>A step picked in the timeline, until the URL says it (with no attempt or comparison chosen).</summary>
    private StepKey? _picked;

    [Parameter]
    public required string RunId { get; set; }

    [SupplyParameterFromQuery(Name = "step")]
    public string? Step { get; set; }

    // Numbers and flags are bound as text and read by UrlQueryValue: a value that is not one is ignored, not an error page.
    [SupplyParameterFromQuery(Name = "loop")]
    public string? LoopText { get; set; }

    [SupplyParameterFromQuery(Name = "attempt")]
    public string? AttemptText { get; set; }

    [SupplyParameterFromQuery(Name = "tab")]
    public string? Tab { get; set; }

    /// <summary>Text the step's viewers (or the run's logs and payloads) open searching for: a search hit's word.</summary>
    [SupplyParameterFromQuery(Name = "find")]
    public string? Find { get; set; }

    [SupplyParameterFromQuery(Name = "compare")]
    public string? Compare { get; set; }

    [SupplyParameterFromQuery(Name = "failed")]
    public string? FailedText { get; set; }

    [SupplyParameterFromQuery(Name = "filter")]
    public string? Filter { get; set; }

    [Inject]
    public required IRunsClient Client { get; init; }

    [Inject]
    public required Security.ViewerScope Viewer { get; init; }

    [Inject]
    public required Microsoft.Extensions.Options.IOptions<Configuration.TraceLinkOptions> TraceLink { get; init; }

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

    private int? Loop => UrlQueryValue.Integer(LoopText);

    private int? Attempt => UrlQueryValue.Integer(AttemptText);

    private bool FailedOnly => UrlQueryValue.Boolean(FailedText) == true;

    private TimelineFilter CurrentFilter => new(FailedOnly, Filter);

    private DateTimeOffset Now => Clock.GetUtcNow();

    private string Title => _run.Record is { } run ? $"{run.WorkflowName ?? run.WorkflowId} · {run.Id} · Runs dashboard" : "Run · Runs dashboard";

    /// <summary>The step in the URL; with none chosen, a failed run opens on the step that failed it.</summary>
    private StepKey? SelectedKey =>
        _picked is { } picked ? picked
        : Step is not null ? _run.Resolve(new StepKey(Step, Loop))
        : _run.Record?.FailedStepId is { } failed ? new StepKey(failed, _run.Record.FailedStepLoopIndex)
        : null;

    protected override void OnInitialized()
    {
        Time.Changed += OnTimeChanged;
        _render = new CallbackThrottler(() => InvokeAsync(RefreshFromState), TimeSpan.FromMilliseconds(100), Clock);
        _childrenReread = new CallbackThrottler(() => InvokeAsync(RereadChildrenAsync), TimeSpan.FromSeconds(2), Clock);
    }

    protected override async Task OnParametersSetAsync()
    {
        _picked = null;
        if (_loadedRunId != RunId)
        {
            _loadedRunId = RunId;
            StopFollowingChildren();
            _run = new RunView();
            _run.SetFilter(CurrentFilter, Now);
            await LoadAsync();
        }
        if (SelectedKey is { LoopIndex: not null } key)
        {
            _run.Expand(key.StepId, Now);
        }
        // Rows are made again only when the filter changed, or for a run still going (its open bars reach the present).
        _run.SetFilter(CurrentFilter, Now);
    }

    private async Task LoadAsync()
    {
        // An id no run can have (over 256 characters, a control character) is a run that is not there. The client refuses
        // it before any call, with an ArgumentException that reached the reader as the error page (HTTP 500).
        _notFound = Ids.Problem(RunId) is not null;
        if (_notFound)
        {
            return;
        }
        if (!RendererInfo.IsInteractive)
        {
            await LoadHeaderAsync();
            return;
        }
        // A new load forgets the last one's rest (and its failure), and cancels it if it is still being read.
        _rest.Dispose();
        _rest = new(_ => false);
        _restPending = _stepLoaded = false;
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
        _run.ShowFirst(page.Snapshot, page.Children, page.ChildRollups, Now);
        if (_run.IsComplete)
        {
            await FollowLiveAsync(_run.Offset);
            return;
        }
        // A big run: its first steps are on screen (and can be opened) while the rest loads. Read once these rows are on
        // screen (OnAfterRenderAsync): reading and reducing the rest takes the same two cores that the browser and the
        // circuit need to show them.
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

    /// <summary>Every attempt of a big run, made into the view's state away from the circuit's thread, then swapped in.</summary>
    private async Task LoadRestAsync()
    {
        var (runId, run) = (RunId, _run);
        var (childRollups, expanded, filter) = (run.ChildRollups, new HashSet<string>(run.ExpandedLoops, StringComparer.Ordinal), run.Filter);
        await _rest.LoadAsync(token => Task.Run(async () =>
        {
            var snapshot = await Client.Run(runId).TimelineAsync(cancellationToken: token);
            return RunView.Prepare(snapshot, childRollups, expanded, filter, Now);
        }, token));
        if (_rest.Page is not { } whole || _rest.State != LoadState.Loaded || runId != RunId || run != _run)
        {
            return;
        }
        _run.ShowWhole(whole, Now);
        await FollowLiveAsync(_run.Offset);
    }

    /// <summary>
    /// Prerendering shows the header only (status, error, timings). The steps of a big run are thousands of rows that the
    /// circuit must load anyway; loading them for the prerendered HTML too doubled the time until the page answers.
    /// </summary>
    private async Task LoadHeaderAsync()
    {
        try
        {
            _run.ShowHeader(await Client.Run(RunId).RecordAsync());
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
        if (_run.Record is null || _run.Record.Status.IsTerminal() || !RendererInfo.IsInteractive)
        {
            return;
        }
        // Without a subscription the page still works: the live chip says offline and Refresh reloads.
        var (runId, run) = (RunId, _run);
        var following = await Live.FollowRunAsync(runId, offset, events => OnRunEventsAsync(run, events));
        if (_disposed || run != _run || runId != RunId)
        {
            // The page (or its run) went while the subscription caught up.
            following?.Dispose();
            return;
        }
        _following = following;
    }

    private Task OnRunEventsAsync(RunView run, IReadOnlyList<Dashboard.Model.Events.RunEvent> events) => InvokeAsync(() =>
    {
        if (run != _run)
        {
            return;
        }
        run.Apply(events);
        _render?.Request();
        if (Viewer.Access.RunId is null)
        {
            _childrenReread?.Request();
        }
    });

    /// <summary>
    /// A run still going may start child runs: while its events come, its children are read again (at most every two
    /// seconds), so that a step that started one offers to unfold it, and an unfolded step shows its new ones.
    /// </summary>
    private async Task RereadChildrenAsync()
    {
        var (runId, run) = (RunId, _run);
        IReadOnlyList<RunRecord> children;
        try
        {
            children = await Client.Run(runId).ChildrenAsync();
        }
        catch (RunsClientException)
        {
            // What is shown stays; the next events try again.
            return;
        }
        if (_disposed || run != _run || runId != RunId)
        {
            return;
        }
        var toRead = run.UpdateChildren(children, Now);
        StateHasChanged();
        await Task.WhenAll(toRead.Select(child => ReadChildAsync(run, child.Id)).Append(RereadChildRollupsAsync(run)));
    }

    /// <summary>
    /// The cost and tokens of children started or gone on since their rollups were read: each child's own rollup (the
    /// parent's, with its thousands of steps, is not read again for that).
    /// </summary>
    private async Task RereadChildRollupsAsync(RunView run)
    {
        var stale = run.ChildrenWithStaleRollups();
        if (stale.Count == 0)
        {
            return;
        }
        var read = await Task.WhenAll(stale.Select(async child =>
        {
            try
            {
                return ((RunRecord, RunRollup)?)(child, (await Client.Run(child.Id).RollupAsync()).Run);
            }
            catch (RunsClientException)
            {
                // Kept as it was; the next read of the children tries again.
                return null;
            }
        }));
        if (_disposed || run != _run)
        {
            return;
        }
        run.UpdateChildRollups([.. read.OfType<(RunRecord, RunRollup)>()]);
        StateHasChanged();
    }

    private void RefreshFromState()
    {
        _run.Refresh(Now);
        StateHasChanged();
    }

    /// <summary>Reads the run again into the same view: what is on screen (and the unfolded loops) stays until it is replaced.</summary>
    private async Task ReloadAsync()
    {
        _following?.Dispose();
        _following = null;
        StopFollowingChildren();
        await LoadAsync();
    }

    private void ToggleLoop(string stepId) => _run.ToggleLoop(stepId, Now);

    /// <summary>
    /// Unfolds a step's child runs: each is read (its first attempts) and shown as it arrives; those still going are
    /// followed live. Folding stops following them.
    /// </summary>
    private async Task ToggleChildrenAsync(string stepId)
    {
        _childProblem = null;
        var run = _run;
        var toRead = run.ToggleChildren(stepId, Now);
        if (!run.UnfoldedChildren.Contains(stepId))
        {
            foreach (var child in run.ChildrenStartedBy(stepId))
            {
                if (_childFollowing.Remove(child.Id, out var following))
                {
                    following.Dispose();
                }
            }
            return;
        }
        foreach (var child in run.ChildrenStartedBy(stepId).Take(ChildRows.MaxPerStep).Where(c => !toRead.Contains(c)))
        {
            // Read before and folded since: followed again from where it was.
            if (run.ChildTimelineOf(child.Id) is { CanFollow: true } known)
            {
                await FollowChildAsync(run, known);
            }
        }
        await Task.WhenAll(toRead.Select(child => ReadChildAsync(run, child.Id)));
    }

    private async Task ReadChildAsync(RunView run, string childRunId)
    {
        ChildTimeline child;
        try
        {
            child = new ChildTimeline(await Client.Run(childRunId).TimelineAsync(ChildAttempts));
        }
        catch (RunsClientException ex)
        {
            _childProblem = $"Child run {childRunId} could not be read: {ex.Message}";
            StateHasChanged();
            return;
        }
        if (run != _run)
        {
            return;
        }
        run.ShowChild(child, Now);
        StateHasChanged();
        await FollowChildAsync(run, child);
    }

    private async Task FollowChildAsync(RunView run, ChildTimeline child)
    {
        var childRunId = child.Record.Id;
        if (!child.CanFollow || _childFollowing.ContainsKey(childRunId) || !RendererInfo.IsInteractive)
        {
            return;
        }
        var following = await Live.FollowRunAsync(childRunId, child.Offset, events => InvokeAsync(() =>
        {
            if (run == _run)
            {
                run.ApplyChild(childRunId, events);
                _render?.Request();
            }
        }));
        if (following is null)
        {
            return;
        }
        if (_disposed || run != _run || _childFollowing.ContainsKey(childRunId) || !run.UnfoldedChildren.Contains(child.Record.ParentStepId ?? ""))
        {
            following.Dispose();
            return;
        }
        _childFollowing[childRunId] = following;
    }

    private void StopFollowingChildren()
    {
        foreach (var following in _childFollowing.Values)
        {
            following.Dispose();
        }
        _childFollowing.Clear();
    }

    private void OpenChild(TimelineRow row)
    {
        if (ChildRows.Url(row) is { } url)
        {
            Navigation.NavigateTo(url);
        }
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
        var record = _run.Record!;
        await NavigateAsync(new() { ["step"] = record.FailedStepId, ["loop"] = record.FailedStepLoopIndex, ["attempt"] = null, ["tab"] = "error", ["compare"] = null });
        // The panel opens beside (or, narrow, below) the timeline: bring it into sight, also inside a portal's iframe.
        await Browser.ScrollIntoViewWhenPresentAsync(".step-panel");
    }

    /// <summary>
    /// The workflow's newest completed run against this one (left: the good run), on the compare page; says so when there
    /// is none yet.
    /// </summary>
    private async Task CompareWithLastSuccessAsync()
    {
        var record = _run.Record!;
        try
        {
            var page = await Client.ListRunsAsync(new RunsQuery { WorkflowId = record.WorkflowId, Statuses = [RunStatus.Completed], Limit = 1 });
            if (page.Items.FirstOrDefault() is { } good)
            {
                Navigation.NavigateTo(DashboardUrls.Compare(good.Id, record.Id));
                return;
            }
            _compareProblem = "No run of this workflow has completed yet.";
        }
        catch (RunsClientException ex)
        {
            _compareProblem = ex.Message;
        }
    }

    private string? _compareProblem;

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
        var json = JsonSerializer.Serialize(trace, ExportOptions);
        await Browser.DownloadAsync($"{FileSafe(RunId)}-trace.json", json, "application/json");
    }

    // A file for people and tools to read: non-ASCII text as written ("ünï", not "\u00FCn\u00EF"), as the CSV has it.
    private static readonly JsonSerializerOptions ExportOptions = new(ModelJson.Options)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private Task ExportCsvAsync() => Browser.DownloadAsync($"{FileSafe(RunId)}-steps.csv", StepsCsv.Write(_run.Attempts), StepsCsv.MimeType);

    private static string FileSafe(string text) => new(text.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_').Take(80).ToArray());

    private void OnTimeChanged() => _ = InvokeAsync(StateHasChanged);

    public void Dispose()
    {
        _disposed = true;
        Time.Changed -= OnTimeChanged;
        _following?.Dispose();
        StopFollowingChildren();
        _render?.Dispose();
        _childrenReread?.Dispose();
        _view.Dispose();
        _rest.Dispose();
    }
}
