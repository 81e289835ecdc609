using Dashboard.Model.Events;
using Dashboard.Model.Runs;
using Dashboard.Security;
using Dashboard.Services;

namespace Dashboard.Web.Tests;

/// <summary>Subscriptions a component test drives: it sees who subscribes from where, and pushes events to them.</summary>
public sealed class FakeRunSubscriptions : IRunSubscriptions
{
    private readonly List<RunFollower> _runs = [];
    private readonly List<(Func<IReadOnlyList<RunChange>, Task> Deliver, Func<Task>? OnGap)> _feeds = [];

    public sealed record RunFollower(string RunId, string? FromOffset, Func<IReadOnlyList<RunEvent>, Task> Deliver)
    {
        public bool Disposed { get; set; }
    }

    public IReadOnlyList<RunFollower> Runs
    {
        get
        {
            lock (_runs)
            {
                return _runs.ToList();
            }
        }
    }

    public Task<IDisposable> SubscribeRunAsync(string runId, string? fromOffset, WorkflowAccess access, Func<IReadOnlyList<RunEvent>, Task> deliver,
        CancellationToken cancellationToken = default)
    {
        var follower = new RunFollower(runId, fromOffset, deliver);
        lock (_runs)
        {
            _runs.Add(follower);
        }
        return Task.FromResult<IDisposable>(new Unsubscriber(() => follower.Disposed = true));
    }

    /// <summary>Set, feed joins wait for it (or their cancellation), as a join waits for the relay's reader to be positioned.</summary>
    public TaskCompletionSource? FeedJoinGate { get; set; }

    public async Task<IDisposable> SubscribeFeedAsync(WorkflowAccess access, Func<IReadOnlyList<RunChange>, Task> deliver, Func<Task>? onGap = null,
        CancellationToken cancellationToken = default)
    {
        if (FeedJoinGate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }
        lock (_feeds)
        {
            _feeds.Add((deliver, onGap));
        }
        return new Unsubscriber(() =>
        {
            lock (_feeds)
            {
                _feeds.Remove((deliver, onGap));
            }
        });
    }

    /// <summary>Changes to every feed subscriber.</summary>
    public async Task PushFeedAsync(params RunChange[] changes)
    {
        List<(Func<IReadOnlyList<RunChange>, Task> Deliver, Func<Task>? OnGap)> feeds;
        lock (_feeds)
        {
            feeds = [.. _feeds];
        }
        foreach (var (deliver, _) in feeds)
        {
            await deliver(changes);
        }
    }

    /// <summary>Tells every feed subscriber that changes were dropped, as the relay does when one falls behind.</summary>
    public async Task GapAsync()
    {
        List<(Func<IReadOnlyList<RunChange>, Task> Deliver, Func<Task>? OnGap)> feeds;
        lock (_feeds)
        {
            feeds = [.. _feeds];
        }
        foreach (var (_, onGap) in feeds)
        {
            await (onGap?.Invoke() ?? Task.CompletedTask);
        }
    }

    /// <summary>Events to every live subscriber of the run, as the relay would deliver them.</summary>
    public async Task PushAsync(string runId, params RunEvent[] events)
    {
        foreach (var follower in Runs.Where(f => f.RunId == runId && !f.Disposed))
        {
            await follower.Deliver(events);
        }
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
