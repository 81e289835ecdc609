namespace Dashboard.Services;

/// <summary>
/// Reloads a page's data when runs change: follows the all-runs feed and calls <c>reload</c> at most once per interval.
/// For pages that show aggregates or lists, where a read per change would be wasted.
/// </summary>
public sealed class FeedReloader : IDisposable
{
    private readonly LiveUpdates _live;
    private readonly CallbackThrottler _throttler;
    private IDisposable? _subscription;

    public FeedReloader(LiveUpdates live, Func<Task> reload, TimeSpan interval, TimeProvider time)
    {
        _live = live;
        _throttler = new CallbackThrottler(reload, interval, time);
    }

    /// <summary>
    /// Follows the feed (after the first render). The feed tells of changes from now on; one that came between the page's
    /// first read and now would otherwise wait for the next change to show, so with <paramref name="readAgain"/> (the
    /// first read worked: a failed one waits for the user's Retry) the page reads once more.
    /// </summary>
    public void Start(bool readAgain)
    {
        _subscription ??= _live.FollowFeed(Request, Request);
        if (readAgain)
        {
            _throttler.Request();
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
        _subscription?.Dispose();
        _throttler.Dispose();
    }
}
