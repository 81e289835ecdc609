using Dashboard.Client.Errors;
using Dashboard.Model.Events;
using Dashboard.Model.Runs;
using Dashboard.Security;

namespace Dashboard.Services;

/// <summary>
/// A circuit's live updates: its pages subscribe to the relay in-process, with the viewer's access, and dispose what
/// they took when they go. <see cref="Status"/> is what the live chip shows.
/// </summary>
public sealed class LiveUpdates(IRunSubscriptions relay, ViewerScope viewer, ILogger<LiveUpdates> logger)
{
    private int _following;

    public event Action<LiveStatus>? StatusChanged;

    public LiveStatus Status { get; private set; } = LiveStatus.Idle;

    /// <summary>
    /// Events of <paramref name="runId"/> after <paramref name="fromOffset"/>, to <paramref name="onEvents"/> until the
    /// returned subscription is disposed; null when the run cannot be followed (the chip says offline).
    /// </summary>
    public async Task<IDisposable?> FollowRunAsync(string runId, string? fromOffset, Func<IReadOnlyList<RunEvent>, Task> onEvents)
    {
        if (Volatile.Read(ref _following) == 0)
        {
            SetStatus(LiveStatus.Connecting);
        }
        try
        {
            return Counted(await relay.SubscribeRunAsync(runId, fromOffset, viewer.Access, onEvents));
        }
        catch (OperationCanceledException)
        {
            // Disposed while catching up (the page went away): nothing is followed because of it.
            if (Volatile.Read(ref _following) == 0)
            {
                SetStatus(LiveStatus.Idle);
            }
            return null;
        }
        catch (RunsClientException ex)
        {
            logger.LogWarning(ex, "Could not follow run {RunId}", runId);
            if (Volatile.Read(ref _following) == 0)
            {
                SetStatus(LiveStatus.Offline);
            }
            return null;
        }
    }

    /// <summary>
    /// Changes of the runs this viewer sees, every one made after the returned task completes; <paramref name="onGap"/>
    /// when some were dropped.
    /// </summary>
    public async Task<IDisposable> FollowFeedAsync(Func<IReadOnlyList<RunChange>, Task> onChanges, Func<Task> onGap, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _following) == 0)
        {
            SetStatus(LiveStatus.Connecting);
        }
        try
        {
            return Counted(await relay.SubscribeFeedAsync(viewer.Access, onChanges, onGap, cancellationToken));
        }
        catch (OperationCanceledException) when (Volatile.Read(ref _following) == 0)
        {
            // The page went while joining: the next page of this circuit must not start from "connecting".
            SetStatus(LiveStatus.Idle);
            throw;
        }
    }

    private Following Counted(IDisposable subscription)
    {
        Interlocked.Increment(ref _following);
        SetStatus(LiveStatus.Live);
        return new Following(this, subscription);
    }

    private void Released()
    {
        if (Interlocked.Decrement(ref _following) == 0)
        {
            SetStatus(LiveStatus.Idle);
        }
    }

    private void SetStatus(LiveStatus status)
    {
        if (Status != status)
        {
            Status = status;
            StatusChanged?.Invoke(status);
        }
    }

    private sealed class Following(LiveUpdates owner, IDisposable subscription) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                subscription.Dispose();
                owner.Released();
            }
        }
    }
}
