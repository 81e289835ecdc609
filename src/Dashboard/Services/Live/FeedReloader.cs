namespace Dashboard.Services;

/// <summary>
/// Reloads a page's data when runs change: follows the all-runs feed and calls <c>reload</c> at most once per interval.
/// For pages that show aggregates or lists, where a read per change would be wasted.
/// </summary>
public sealed class FeedReloader : IDisposable
{
    private readonly LiveUpdates _live;
    private readonly CallbackThrottler _throttler;
    private readonly CancellationTokenSource _disposed = new();
    private IDisposable? _subscription;

    public FeedReloader(LiveUpdates live, Func<Task> reload, TimeSpan interval, TimeProvider time)
    {
        _live = live;
        _throttler = new CallbackThrottler(reload, interval, time);
    }

    /// <summary>
    /// Follows the feed. Awaited before the page's first read (on an interactive render): a change made while that read
    /// runs then reloads the page once more, rather than waiting for the next change to show.
    /// </summary>
    public async Task StartAsync()
    {
        if (_subscription is not null)
        {
            return;
        }
        try
        {
            var subscription = await _live.FollowFeedAsync(Request, Request, _disposed.Token);
            if (_disposed.IsCancellationRequested)
            {
                subscription.Dispose();
                return;
            }
            _subscription = subscription;
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
            // The page went while the feed was being joined.
        }
    }

    private Task Request(IReadOnlyList<Model.Runs.RunChange> changes) => Request();

    private Task Request()
    {
        _throttler.Request();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _subscription?.Dispose();
        _throttler.Dispose();
    }
}
