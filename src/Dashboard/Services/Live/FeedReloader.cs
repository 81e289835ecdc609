namespace Dashboard.Services;

/// <summary>
/// Reloads a page's data when runs change: follows the all-runs feed and calls <c>reload</c> at most once per interval.
/// For pages that show aggregates or lists, where a read per change would be wasted. While <see cref="Hold"/> is in
/// force (the pointer is on a list whose rows a reload would move under it) changes are only noted, and one reload
/// follows the <see cref="Release"/>.
/// </summary>
public sealed class FeedReloader : IDisposable
{
    private readonly LiveUpdates _live;
    private readonly CallbackThrottler _throttler;
    private readonly Func<Task>? _heldChanged;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();
    private IDisposable? _subscription;
    private bool _held;
    private bool _missed;

    /// <param name="heldChanged">Told when changes start waiting behind a hold, and when they stop (a page says so).</param>
    public FeedReloader(LiveUpdates live, Func<Task> reload, TimeSpan interval, TimeProvider time, Func<Task>? heldChanged = null)
    {
        _live = live;
        _heldChanged = heldChanged;
        _throttler = new CallbackThrottler(() => ReloadUnlessHeldAsync(reload), interval, time);
    }

    /// <summary>Whether changes are waiting for the hold to end.</summary>
    public bool ChangesWaiting
    {
        get
        {
            lock (_gate)
            {
                return _held && _missed;
            }
        }
    }

    /// <summary>Whether a hold is in force.</summary>
    public bool IsHeld
    {
        get
        {
            lock (_gate)
            {
                return _held;
            }
        }
    }

    /// <summary>Changes wait (noted, not loaded) until <see cref="Release"/>. True when this began the hold.</summary>
    public bool Hold()
    {
        lock (_gate)
        {
            var began = !_held;
            _held = true;
            return began;
        }
    }

    /// <summary>Ends a hold: changes that came during it are loaded now (once, within the interval).</summary>
    public Task Release()
    {
        bool missed;
        lock (_gate)
        {
            missed = _held && _missed;
            _held = false;
            _missed = false;
        }
        if (missed)
        {
            _throttler.Request();
            return _heldChanged?.Invoke() ?? Task.CompletedTask;
        }
        return Task.CompletedTask;
    }

    // A reload already queued when the hold began waits too: it would move the rows just as much.
    private Task ReloadUnlessHeldAsync(Func<Task> reload)
    {
        bool held, firstMissed;
        lock (_gate)
        {
            held = _held;
            firstMissed = held && !_missed;
            _missed |= held;
        }
        if (!held)
        {
            return reload();
        }
        return firstMissed ? _heldChanged?.Invoke() ?? Task.CompletedTask : Task.CompletedTask;
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
