using Dashboard.Client;
using Dashboard.Model;
using Dashboard.Model.Insights;
using Dashboard.Services;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Dashboard.Components.Pages;

/// <summary>
/// The home page: what is going wrong across runs in a period. One read of the insights API (six or seven calls at once) builds
/// an <see cref="OverviewView"/>; the feed of run changes asks for a new read, at most every few seconds.
/// </summary>
public sealed partial class Overview : IDisposable
{
    private static readonly string[] StatusColors = ["#2e7d32", "#c62828", "#ef6c00", "#757575", "#0277bd", "#5e35b1"];
    private static readonly Dictionary<string, string> ColorOfStatus = new(StringComparer.Ordinal)
    {
        ["completed"] = StatusColors[0], ["failed"] = StatusColors[1], ["timeout"] = StatusColors[2],
        ["cancelled"] = StatusColors[3], ["waiting"] = StatusColors[4], ["running"] = StatusColors[5],
    };

    private readonly ListLoadView<OverviewView> _view = new(view => view.IsEmpty);
    private OverviewFilter _filter = new();
    private DateTimeOffset _now = DateTimeOffset.UtcNow;
    private FeedReloader? _reload;

    private List<ChartSeries<double>> _statusSeries = [];
    private List<ChartSeries<double>> _rateSeries = [];
    private List<ChartSeries<double>> _p95Series = [];
    private string[] _labels = [];
    private StackedBarChartOptions _statusOptions = new();
    private LineChartOptions _rateOptions = new();
    private LineChartOptions _p95Options = new();
    private string _p95Unit = "seconds";

    [SupplyParameterFromQuery(Name = "range")]
    public string? Range { get; set; }

    [SupplyParameterFromQuery(Name = "from")]
    public string? From { get; set; }

    [SupplyParameterFromQuery(Name = "to")]
    public string? To { get; set; }

    [SupplyParameterFromQuery(Name = "workflow")]
    public string? Workflow { get; set; }

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

    protected override async Task OnInitializedAsync()
    {
        // Every change of every run arrives on the feed; the figures are sums over the period, so a read every few
        // seconds shows them moving without a read per change.
        _reload = new FeedReloader(Live, cancel => InvokeAsync(async () =>
        {
            await LoadAsync(cancel);
            StateHasChanged();
        }), TimeSpan.FromSeconds(5), Clock, () => InvokeAsync(StateHasChanged));
        Time.Changed += OnTimeChanged;
        if (RendererInfo.IsInteractive)
        {
            // Before the first read: a change during it reloads once more (a prerender follows nothing).
            await _reload.StartAsync();
        }
    }

    protected override async Task OnParametersSetAsync()
    {
        var filter = OverviewFilter.FromUrl(Range, From, To, Workflow);
        if (filter == _filter && _view.Page is not null)
        {
            return;
        }
        if (filter.Workflow != _filter.Workflow)
        {
            // Another workflow's steps: its table starts in the service's order.
            _stepSort = default;
        }
        _filter = filter;
        await LoadAsync();
    }

    private void OnTimeChanged() => _ = InvokeAsync(() =>
    {
        BuildCharts();
        StateHasChanged();
    });

    private Task LoadAsync() => LoadAsync(CancellationToken.None);

    // The health tables' orders, asked of the service: thousands of steps (an agent's tool calls) or workflows (one per
    // tenant) come a page at a time, sorted there.
    private (string? Column, bool Descending) _stepSort;
    private (string? Column, bool Descending) _workflowSort;

    private Task SortStepsAsync((string? Column, bool Descending) sort)
    {
        _stepSort = sort;
        return LoadAsync();
    }

    private Task SortWorkflowsAsync((string? Column, bool Descending) sort)
    {
        _workflowSort = sort;
        return LoadAsync();
    }

    /// <param name="cancel">Called off when the pointer comes onto a list the answer would reorder (FeedReloader.Hold).</param>
    private async Task LoadAsync(CancellationToken cancel)
    {
        _now = Clock.GetUtcNow();
        var range = _filter.ToRange(_now);
        await _view.LoadAsync(async token =>
        {
            var insights = RunsClient.Insights;
            var summary = insights.SummaryAsync(range, token);
            var series = insights.TimeseriesAsync(range, OverviewFilter.BucketFor(range), token);
            var failures = insights.FailuresAsync(range, 25, token);
            var workflows = insights.WorkflowsAsync(range, _workflowSort.Column, _workflowSort.Column is null ? null : _workflowSort.Descending, null, token);
            var models = insights.ModelsAsync(range, token);
            var steps = range.WorkflowId is null ? null : insights.StepsAsync(range, _stepSort.Column, _stepSort.Column is null ? null : _stepSort.Descending, null, token);
            await Task.WhenAll(summary, series, failures, workflows, models, steps ?? Task.CompletedTask);
            return new OverviewView
            {
                Summary = summary.Result,
                Series = series.Result,
                Failures = failures.Result.Groups,
                Workflows = workflows.Result.Workflows,
                TotalWorkflows = workflows.Result.TotalWorkflows,
                Steps = steps?.Result.Steps,
                TotalSteps = steps?.Result.TotalSteps ?? 0,
                StepsCounted = steps?.Result is { CountedFrom: { } from, CountedTo: { } to } ? (from, to) : null,
                Models = models.Result.Models,
            };
        }, cancel);
        BuildCharts();
    }

    private void BuildCharts()
    {
        if (_view.Page is not { } view)
        {
            return;
        }
        var days = view.Series.Bucket == "day";
        _labels = view.Series.Buckets.Select((b, i) => i % LabelEvery(view.Series.Buckets.Count) == 0 ? Time.Axis(b.Start, days) : "").ToArray();
        var statuses = view.StatusSeries();
        _statusSeries = statuses.Select(s => new ChartSeries<double> { Name = s.Status, Data = new ChartData<double>(s.Counts) }).ToList();
        var highestBar = Enumerable.Range(0, view.Series.Buckets.Count).Select(i => statuses.Sum(s => s.Counts[i])).DefaultIfEmpty(0).Max();
        _statusOptions = new StackedBarChartOptions
        {
            ChartPalette = statuses.Select(s => ColorOfStatus[s.Status]).ToArray(), ShowLegend = true, YAxisTicks = OverviewView.TickSpacing(highestBar),
        };
        var rate = view.FailureRatePercent();
        (_p95Unit, var p95) = view.P95Series();
        _rateSeries = [new ChartSeries<double> { Name = "Failure rate (%)", Data = new ChartData<double>(rate) }];
        _p95Series = [new ChartSeries<double> { Name = $"p95 duration ({_p95Unit})", Data = new ChartData<double>(p95) }];
        // From zero: an axis from 20 % to 60 % draws a rise from 25 % to 50 % as a sixfold one.
        _rateOptions = new LineChartOptions
        {
            ChartPalette = [StatusColors[1]], ShowLegend = false, YAxisRequireZeroPoint = true, YAxisTicks = OverviewView.TickSpacing(rate.DefaultIfEmpty(0).Max()),
        };
        _p95Options = new LineChartOptions
        {
            ChartPalette = [StatusColors[4]], ShowLegend = false, YAxisRequireZeroPoint = true, YAxisTicks = OverviewView.TickSpacing(p95.DefaultIfEmpty(0).Max()),
        };
    }

    /// <summary>
    /// Five or six labels on the axis, whatever the number of buckets: a chart is a third of the page wide from 1280 px,
    /// where a dozen labels at a readable size ran into one another.
    /// </summary>
    private static int LabelEvery(int buckets) => Math.Max(1, (int)Math.Ceiling(buckets / 5.0));

    private string WorkflowHref(string workflowId) =>
        Navigation.GetUriWithQueryParameters((_filter with { Workflow = workflowId }).ToUrl());

    private Task ChangeRangeAsync(string range)
    {
        var filter = range == OverviewFilter.CustomRange
            ? _filter with { Range = range, From = _filter.ToRange(_now).From, To = _filter.ToRange(_now).To }
            : _filter with { Range = range, From = null, To = null };
        return NavigateAsync(filter);
    }

    private Task ChangeCustomAsync(string? from, string? to)
    {
        var start = ParseInput(from) ?? _filter.From;
        var end = ParseInput(to) ?? _filter.To;
        return start is { } s && end is { } e && s < e ? NavigateAsync(_filter with { From = s, To = e }) : Task.CompletedTask;
    }

    private Task ChangeWorkflowAsync(string? workflow) => NavigateAsync(_filter with { Workflow = string.IsNullOrEmpty(workflow) ? null : workflow });

    private Task NavigateAsync(OverviewFilter filter)
    {
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(filter.ToUrl()));
        return Task.CompletedTask;
    }

    /// <summary>A datetime-local input's value, read as UTC (the labels say so).</summary>
    private static DateTimeOffset? ParseInput(string? value) =>
        DateTime.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var parsed)
            ? new DateTimeOffset(parsed, TimeSpan.Zero)
            : null;

    private static string? LocalInput(DateTimeOffset? value) =>
        value?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose()
    {
        Time.Changed -= OnTimeChanged;
        _reload?.Dispose();
        _view.Dispose();
    }
}
