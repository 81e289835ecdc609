using Dashboard.Client;
using Dashboard.Model;
using Dashboard.Model.Runs;
using Dashboard.Services;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Components.Pages;

/// <summary>
/// Run changes as they happen. On open it joins the feed first and then reads the feed's last 50 entries, so that a
/// change made in between is shown once whichever way it came (<see cref="LiveFeedView"/> merges by feed offset).
/// </summary>
public sealed partial class LiveFeed : IAsyncDisposable
{
    private readonly LiveFeedView _view = new();
    private CallbackThrottler? _render;
    private readonly CancellationTokenSource _gone = new();
    private IDisposable? _feed;

    [Inject]
    public required LiveUpdates Live { get; init; }

    [Inject]
    public required IRunsClient RunsClient { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    [Inject]
    public required TimeDisplay Time { get; init; }

    protected override void OnInitialized()
    {
        _render = new CallbackThrottler(() => InvokeAsync(StateHasChanged), TimeSpan.FromMilliseconds(100), Clock);
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }
        // Changes dropped because this page fell behind are read back from the feed's last entries (merged by offset).
        try
        {
            _feed = await Live.FollowFeedAsync(OnChanges, () => InvokeAsync(AddRecentAsync), _gone.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        if (_gone.IsCancellationRequested)
        {
            _feed.Dispose();
            return;
        }
        await AddRecentAsync();
    }

    private async Task AddRecentAsync()
    {
        try
        {
            _view.Add(await RunsClient.RecentChangesAsync(50));
            StateHasChanged();
        }
        catch (Client.Errors.RunsClientException)
        {
            // Live changes still arrive; the page simply shows the ones it got.
        }
    }

    private Task OnChanges(IReadOnlyList<RunChange> changes) => InvokeAsync(() =>
    {
        _view.Add(changes);
        _render?.Request();
    });

    private void TogglePause() => _view.TogglePause();

    private void ToggleProblems() => _view.ProblemsOnly = !_view.ProblemsOnly;

    private void SetText(string? text) => _view.Text = text;

    public ValueTask DisposeAsync()
    {
        _gone.Cancel();
        _feed?.Dispose();
        _render?.Dispose();
        return ValueTask.CompletedTask;
    }
}
