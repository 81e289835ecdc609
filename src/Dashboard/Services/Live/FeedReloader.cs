namespace Dashboard.Services;

/// <summary>
/// Reloads a page's data when runs change: follows the all-runs feed and calls <c>reload</c> at most once per interval.
/// For pages that show aggregates or lists, where a read per change would be wasted. While <see cref="Hold"/> is in
/// force (the pointer is on a list whose rows a reload would move under it) changes are only noted, and one reload
/// follows the <see cref="Release"/>. A reload already reading when the hold begins is called off through its token: the
/// page keeps what it shows (<see cref="Model.ListLoadView{T}"/> drops an answer whose load was called off).
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

    // The token of the reloads started since the last hold began. Never disposed: a hold may cancel it while a reload
    // that took it ends, and a token source without a timer holds nothing that needs disposing.
    private CancellationTokenSource _loading = new();
    private int _reading;

    /// <param name="heldChanged">Told when changes start waiting behind a hold, and when they stop (a page says so).</param>
    /// <param name="reload">Reads the page's data and shows it, unless the token is cancelled first (a hold began).</param>
    public FeedReloader(LiveUpdates live, Func<CancellationToken, Task> reload, TimeSpan interval, TimeProvider time, Func<Task>? heldChanged = null)
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

    /// <summary>
    /// Changes wait (noted, not loaded) until <see cref="Release"/>, and a reload reading now is called off (it would move
    /// the rows once its answer came, after the hold had begun; the change it was for waits too). True when this began
    /// the hold.
    /// </summary>
    public bool Hold()
    {
        CancellationTokenSource loading;
        lock (_gate)
        {
            if (_held)
            {
                return false;
            }
            _held = true;
            if (_reading == 0)
            {
                return true;
            }
            loading = _loading;
            _loading = new CancellationTokenSource();
            // The change that reload was for now waits, as one coming during the hold would.
            _missed = true;
        }
        // Outside the lock: cancelling runs the reload's registrations (its HTTP request's) here.
        loading.Cancel();
        return true;
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
    private async Task ReloadUnlessHeldAsync(Func<CancellationToken, Task> reload)
    {
        CancellationTokenSource? loading = null;
        var firstMissed = false;
        lock (_gate)
        {
            if (_held)
            {
                firstMissed = !_missed;
                _missed = true;
            }
            else
            {
                loading = _loading;
                _reading++;
            }
        }
        if (loading is null)
        {
            if (firstMissed && _heldChanged is not null)
            {
                await _heldChanged();
            }
            return;
        }
        try
        {
            await reload(loading.Token);
        }
        finally
        {
            lock (_gate)
            {
                _reading--;
            }
        }
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
