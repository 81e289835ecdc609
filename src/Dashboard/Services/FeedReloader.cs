using Dashboard.Model.Runs;

namespace Dashboard.Services;

/// <summary>
/// Reloads a page's data when runs change: follows the all-runs feed and calls <c>reload</c> at most once per interval.
/// For pages that show aggregates or lists, where a read per change would be wasted.
/// </summary>
public sealed class FeedReloader : IDisposable
{
    private readonly RunsHubObserver _live;
    private readonly CallbackThrottler _throttler;

    public FeedReloader(RunsHubObserver live, Func<Task> reload, TimeSpan interval, TimeProvider time)
    {
        _live = live;
        _throttler = new CallbackThrottler(reload, interval, time);
        live.RunChangesReceived += OnRunChanges;
    }

    /// <summary>
    /// Joins the feed (after the first render). The feed tells of changes from now on; one that came between the page's
    /// first read and the join would otherwise wait for the next change to show, so the page reads once more.
    /// </summary>
    public async Task StartAsync()
    {
        try
        {
            await _live.JoinFeedAsync();
            _throttler.Request();
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException)
        {
            // The page still works without live updates; the status chip says offline.
        }
    }

    private void OnRunChanges(IReadOnlyList<RunChange> changes) => _throttler.Request();

    public void Dispose()
    {
        _live.RunChangesReceived -= OnRunChanges;
        _ = _live.LeaveFeedAsync();
        _throttler.Dispose();
    }
}
