using Dashboard.Client;
using Dashboard.Model;
using Dashboard.Model.Runs;
using Dashboard.Services;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Dashboard.Components.Pages;

/// <summary>
/// The executions list: server-paged (keyset; the browser's back button returns to the previous page), filtered, every
/// filter in the URL. A new load cancels the one it supersedes.
/// </summary>
public sealed partial class Executions : IDisposable
{
    private readonly ListLoadView<RunsPage> _view = new(page => page.Items.Count == 0);
    private readonly BulkActionView _bulk = new();
    private ExecutionsFilter _filter = new();
    private IReadOnlyDictionary<string, int> _counts = new Dictionary<string, int>();
    private DateTimeOffset _now = DateTimeOffset.UtcNow;
    private FeedReloader? _reload;
    private Model.Insights.RunFacets _facets = new([], []);

    // The failure group the list is narrowed to (?failure=), looked up once per signature to name it.
    private Model.Insights.FailureGroup? _group;
    private string? _groupAsked;
    private IReadOnlyList<SavedView> _views = [];
    private bool _naming;
    private string? _viewName;

    [SupplyParameterFromQuery(Name = "status")]
    public string? Status { get; set; }

    [SupplyParameterFromQuery(Name = "workflow")]
    public string? Workflow { get; set; }

    [SupplyParameterFromQuery(Name = "trigger")]
    public string? Trigger { get; set; }

    [SupplyParameterFromQuery(Name = "experiment")]
    public string? Experiment { get; set; }

    [SupplyParameterFromQuery(Name = "parent")]
    public string? Parent { get; set; }

    [SupplyParameterFromQuery(Name = "model")]
    public string? Model { get; set; }

    [SupplyParameterFromQuery(Name = "failure")]
    public string? Failure { get; set; }

    [SupplyParameterFromQuery(Name = "q")]
    public string? Text { get; set; }

    [SupplyParameterFromQuery(Name = "range")]
    public string? Range { get; set; }

    [SupplyParameterFromQuery(Name = "from")]
    public string? From { get; set; }

    [SupplyParameterFromQuery(Name = "to")]
    public string? To { get; set; }

    // Read by UrlQueryValue: ?size=abc is the default size, not an error page.
    [SupplyParameterFromQuery(Name = "size")]
    public string? PageSizeText { get; set; }

    [SupplyParameterFromQuery(Name = "sort")]
    public string? Sort { get; set; }

    [SupplyParameterFromQuery(Name = "cursor")]
    public string? Cursor { get; set; }

    [SupplyParameterFromQuery(Name = "in")]
    public string? In { get; set; }

    /// <summary>Shows one workflow's runs only, with no way to widen the filter (the embedded list of a portal).</summary>
    [Parameter]
    public string? WorkflowLock { get; set; }

    /// <summary>
    /// The page's title: one workflow's list (an embed) is headed by that workflow's name, as its runs report it, so a
    /// portal's frame says whose runs these are.
    /// </summary>
    private string Heading => WorkflowLock is null
        ? "Executions"
        : _view.Page?.Items.FirstOrDefault(r => r.WorkflowName is not null)?.WorkflowName ?? WorkflowLock;

    /// <summary>Where a run's link leads; the dashboard's run page unless the host (an embed) says otherwise.</summary>
    [Parameter]
    public Func<string, string>? RunHref { get; set; }

    [Inject]
    public required IRunsClient RunsClient { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required TimeDisplay Time { get; init; }

    [Inject]
    public required LiveUpdates Live { get; init; }

    [Inject]
    public required BrowserInterop Browser { get; init; }

    [Inject]
    public required MudBlazor.ISnackbar Snackbar { get; init; }

    [Inject]
    public required Security.ViewerScope Viewer { get; init; }

    /// <summary>Whether this viewer may act on any run (an embedded list never does).</summary>
    private bool CanActOnRuns => WorkflowLock is null && Viewer.Access.RunId is null && Viewer.Access.ControlWorkflows is not { Count: 0 };

    private bool PageIsPicked => _view.Page is { Items.Count: > 0 } page && page.Items.All(r => _bulk.IsPicked(r.Id));

    private void PickPage(bool on)
    {
        foreach (var run in _view.Page?.Items ?? [])
        {
            _bulk.Toggle(run, on);
        }
    }

    private async Task PickAllMatchingAsync()
    {
        try
        {
            await _bulk.PickAllMatchingAsync(RunsClient, _filter.ToQuery(_now), CancellationToken.None);
        }
        catch (Client.Errors.RunsClientException ex)
        {
            Snackbar.Add($"Could not read every matching run: {ListLoadView<RunsPage>.Describe(ex).Title}", Severity.Warning);
        }
    }

    private Task RunBulkAsync() => _bulk.RunAsync(RunsClient, run => Viewer.Access.CanAct(run.WorkflowId), Viewer.UserName ?? "a dashboard user",
        () => InvokeAsync(StateHasChanged), CancellationToken.None);

    protected override async Task OnInitializedAsync()
    {
        // Runs change every second on a busy service: reload the page in view at most once a second, keeping its filters.
        _reload = new FeedReloader(Live, cancel => InvokeAsync(async () =>
        {
            await LoadAsync(cancel);
            StateHasChanged();
        }), TimeSpan.FromSeconds(1), Clock, () => InvokeAsync(StateHasChanged));
        if (RendererInfo.IsInteractive)
        {
            // Before the first read: a change during it reloads once more (a prerender follows nothing).
            await _reload.StartAsync();
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender && _reload is not null)
        {
            await LoadFacetsAsync();
            if (WorkflowLock is null)
            {
                await LoadSavedViewsAsync();
            }
        }
    }

    /// <summary>The pickers' choices; without them the list still filters by what the URL says.</summary>
    private async Task LoadSavedViewsAsync()
    {
        try
        {
            _views = SavedViews.Parse(await Browser.GetPreferenceAsync(SavedViews.PreferenceKey));
        }
        catch (Exception ex) when (ex is Microsoft.JSInterop.JSException or Microsoft.JSInterop.JSDisconnectedException or TaskCanceledException)
        {
            // No storage here (a sandboxed frame): no saved views, the rest works.
        }
    }

    private async Task SaveViewAsync()
    {
        var views = SavedViews.Save(_views, _viewName ?? "", new Uri(Navigation.Uri).Query);
        // Stored first: the form closes once the view is kept, so leaving the page then loses nothing.
        await Browser.SetPreferenceAsync(SavedViews.PreferenceKey, SavedViews.Serialize(views));
        _views = views;
        _viewName = null;
        _naming = false;
        Snackbar.Add($"Saved the view “{views[0].Name}”", Severity.Success);
    }

    private async Task RemoveViewAsync(string name)
    {
        _views = SavedViews.Remove(_views, name);
        await Browser.SetPreferenceAsync(SavedViews.PreferenceKey, SavedViews.Serialize(_views));
    }

    private static string ViewHref(SavedView view) => view.Query.Length == 0 ? DashboardUrls.ExecutionsPath : $"{DashboardUrls.ExecutionsPath}?{view.Query}";

    private async Task LoadFacetsAsync()
    {
        try
        {
            // The trigger types and models: the workflows are searched as the picker is typed in (WorkflowPicker).
            _facets = await RunsClient.FacetsAsync(null, 0);
            StateHasChanged();
        }
        catch (Client.Errors.RunsClientException)
        {
            // The list's own load reports the service's trouble.
        }
    }

    private IReadOnlyList<(string Value, string Label)> TriggerChoices() => PickerChoices.Values(_facets.TriggerTypes, _filter.Trigger);

    private IReadOnlyList<(string Value, string Label)> ModelChoices() => PickerChoices.Values(_facets.Models, _filter.Model);

    private Task SetCustomAsync(string? from, string? to)
    {
        static DateTimeOffset? Read(string? value) =>
            DateTime.TryParse(value, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var parsed)
                ? new DateTimeOffset(parsed, TimeSpan.Zero) : null;
        return ApplyAsync(_filter with { From = from is null ? _filter.From : Read(from), To = to is null ? _filter.To : Read(to), Cursor = null });
    }

    private static string? InputValue(DateTimeOffset? value) =>
        value?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    protected override async Task OnParametersSetAsync()
    {
        var filter = ExecutionsFilter.FromUrl(Status, WorkflowLock ?? Workflow, Trigger, Experiment, Parent, Text, Range, UrlQueryValue.Integer(PageSizeText), Sort, Cursor, From, To, In, Model, Failure);
        if (filter == _filter && _view.Page is not null)
        {
            return;
        }
        if (!_bulk.IsRunning && (filter with { Cursor = null, PageSize = 50, OldestFirst = false }) != (_filter with { Cursor = null, PageSize = 50, OldestFirst = false }))
        {
            // Another filter, another set of runs: what was picked under the last one is not silently kept.
            _bulk.Clear();
        }
        _filter = filter;
        _now = Clock.GetUtcNow();
        await Task.WhenAll(LoadAsync(), LoadGroupAsync());
    }

    /// <summary>The group named on the chip: the one asked for last, and only while the list still shows it.</summary>
    private Model.Insights.FailureGroup? ShownGroup => _group is { } group && group.Signature == _filter.Failure ? group : null;

    private async Task LoadGroupAsync()
    {
        if (_filter.Failure is not { } signature || signature == _groupAsked)
        {
            return;
        }
        _groupAsked = signature;
        try
        {
            _group = await RunsClient.Insights.FailureGroupAsync(signature);
            StateHasChanged();
        }
        catch (Client.Errors.RunsClientException)
        {
            // The chip keeps its plain name; the list's own load reports the service's trouble.
            _groupAsked = null;
        }
    }

    private Task LoadAsync() => LoadAsync(CancellationToken.None);

    /// <param name="cancel">Called off when the pointer comes onto a list the answer would reorder (FeedReloader.Hold).</param>
    private async Task LoadAsync(CancellationToken cancel)
    {
        if (_filter.SearchesPayloads)
        {
            // The hits are the payload search's to read (once per filter: it does not follow the feed); the runs list is
            // not shown. Keeping _now keeps a "last 24 hours" search's bounds, so a live reload does not search again.
            return;
        }
        _now = Clock.GetUtcNow();
        await _view.LoadAsync(token => RunsClient.ListRunsAsync(_filter.ToQuery(_now), token), cancel);
        if (_view.Page is { StatusCounts.Count: > 0 } page)
        {
            _counts = page.StatusCounts;
        }
    }

    private string RunLink(string runId) => RunHref?.Invoke(runId) ?? DashboardUrls.Run(runId);

    private int Count(RunStatus status) => _counts.GetValueOrDefault(status.ToWire());

    private Task ToggleStatusAsync(RunStatus status) => ApplyAsync(_filter.Toggle(status));

    private Task TogglePayloadsAsync() => ApplyAsync(_filter with { InPayloads = !_filter.InPayloads, Cursor = null });

    private Task ToggleProblemsAsync() => ApplyAsync(_filter.ToggleProblems());

    /// <summary>Changing a filter starts from the first page again, unless it is the page itself that changes.</summary>
    private Task ApplyAsync(ExecutionsFilter filter)
    {
        if (filter.Cursor == _filter.Cursor && filter != _filter)
        {
            filter = filter with { Cursor = null };
        }
        if (WorkflowLock is not null)
        {
            filter = filter with { Workflow = WorkflowLock };
        }
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(filter.ToUrl()));
        return Task.CompletedTask;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    public void Dispose()
    {
        _reload?.Dispose();
        _view.Dispose();
    }
}
