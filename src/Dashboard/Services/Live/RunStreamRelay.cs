using System.Collections.Concurrent;
using Dashboard.Client;
using Dashboard.Client.Errors;
using Dashboard.Model.Events;
using Dashboard.Model.Runs;
using Dashboard.Security;

namespace Dashboard.Services;

/// <summary>
/// Relays runs' Durable Streams to subscribers in this process: the pages of every circuit, and <see cref="Hubs.RunsHub"/>
/// for clients outside it. For each run at least one subscription watches, one upstream reader follows the run's stream
/// (<see cref="IRunStreamSource"/>: in-process when the runs service is, else over server-sent events through the
/// client, resuming with backoff); it stops when the last subscription is disposed. A subscription first catches up from the offset it asks for, then receives the live events: nothing is
/// missed between the two and nothing is delivered twice (<see cref="RelaySubscriber{T}"/>). Events are parsed once,
/// by the upstream reader, and the same objects go to every subscriber.
/// </summary>
public sealed partial class RunStreamRelay(IServiceProvider services, ILogger<RunStreamRelay> logger, int maxQueuedItems = 10_000) : IRunSubscriptions, IDisposable
{
    private readonly ConcurrentDictionary<string, Upstream<RunEvent>> _runs = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private Upstream<RunChange>? _feed;

    /// <summary>How many upstream readers are running (runs plus the feed): zero when nobody watches.</summary>
    public int ActiveUpstreams
    {
        get
        {
            lock (_gate)
            {
                return _runs.Count + (_feed is null ? 0 : 1);
            }
        }
    }

    // The service key's whole view: the relay is shared; each subscription is checked against its viewer's access.
    private RunsClient Client => services.GetRequiredService<RunsClient>();

    // In-process when the runs service is (the embedded default); otherwise over HTTP through the client.
    private IRunStreamSource Source => services.GetService<IRunStreamSource>() ?? new ClientRunStreamSource(Client);

    /// <summary>
    /// Events of <paramref name="runId"/> after <paramref name="fromOffset"/> (null or "-1": from the start), delivered in
    /// order to <paramref name="deliver"/> until the subscription is disposed. A run <paramref name="access"/> may not see
    /// is <see cref="RunNotFoundException"/>, exactly like a run that does not exist.
    /// </summary>
    public async Task<IDisposable> SubscribeRunAsync(string runId, string? fromOffset, WorkflowAccess access, Func<IReadOnlyList<RunEvent>, Task> deliver,
        CancellationToken cancellationToken = default)
    {
        await EnsureVisibleAsync(runId, access, cancellationToken);
        Upstream<RunEvent> upstream;
        RelaySubscriber<RunEvent> subscriber = null!;
        subscriber = new RelaySubscriber<RunEvent>(e => e.Offset, deliver, maxQueuedItems, overflowed => _ = ResyncRunAsync(runId, overflowed));
        subscriber.StartAfter(string.IsNullOrEmpty(fromOffset) || fromOffset == "-1" ? null : fromOffset);
        lock (_gate)
        {
            upstream = _runs.GetOrAdd(runId, id => new Upstream<RunEvent>(id));
            upstream.Subscribers.Add(subscriber);
        }
        var subscription = new Subscription(() => Unsubscribe(runId, subscriber));
        try
        {
            if (upstream.Reader is null)
            {
                // The reader starts at the tail as it is now; the catch-up below reads up to at least that point.
                var tail = (await Client.Run(runId).EventsAsync("now", cancellationToken: cancellationToken)).NextOffset;
                lock (_gate)
                {
                    upstream.Reader ??= Task.Run(() => FollowRunAsync(upstream, tail));
                }
            }
            await CatchUpAsync(runId, subscriber, cancellationToken);
            return subscription;
        }
        catch
        {
            subscription.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Changes of every run <paramref name="access"/> may see, from now on: every change made after the returned task
    /// completes is delivered. <paramref name="onGap"/> is told when changes were dropped (this subscriber fell too far
    /// behind): a page then reads again what it lists.
    /// </summary>
    public async Task<IDisposable> SubscribeFeedAsync(WorkflowAccess access, Func<IReadOnlyList<RunChange>, Task> deliver, Func<Task>? onGap = null,
        CancellationToken cancellationToken = default)
    {
        RelaySubscriber<RunChange> subscriber = null!;
        subscriber = new RelaySubscriber<RunChange>(change => change.FeedOffset, changes =>
        {
            var visible = changes.Where(change => access.Sees(change.RunId, change.WorkflowId)).ToList();
            return visible.Count == 0 ? Task.CompletedTask : deliver(visible);
        }, maxQueuedItems, overflowed =>
        {
            // The feed has no catch-up: the subscriber is told what it missed is unknown, and takes live changes again.
            LogOverflow(logger, "feed", maxQueuedItems);
            overflowed.SkipToLive();
            _ = onGap?.Invoke();
        });
        subscriber.TryGoLive();
        Upstream<RunChange> feed;
        lock (_gate)
        {
            feed = _feed ??= new Upstream<RunChange>("feed");
            feed.Subscribers.Add(subscriber);
            feed.Reader ??= Task.Run(() => FollowFeedAsync(feed));
        }
        var subscription = new Subscription(() => Unsubscribe(subscriber));
        try
        {
            // A new reader first learns where the feed is; until then "from now on" would be from wherever its first
            // live request lands, and a change made meanwhile would reach nobody.
            await feed.Positioned.WaitAsync(cancellationToken);
            return subscription;
        }
        catch
        {
            subscription.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the run's stream from the last event the subscriber was given to the tail, then lets the live events through;
    /// again if the subscriber overflowed meanwhile.
    /// </summary>
    private async Task CatchUpAsync(string runId, RelaySubscriber<RunEvent> subscriber, CancellationToken cancellationToken)
    {
        var run = Client.Run(runId);
        do
        {
            var offset = subscriber.BeginPass() ?? "-1";
            while (true)
            {
                var page = await run.EventsAsync(offset, cancellationToken: cancellationToken);
                if (!await subscriber.CatchUpAsync(page.Items, cancellationToken))
                {
                    break;
                }
                offset = page.NextOffset;
                if (page.UpToDate || page.Items.Count == 0)
                {
                    break;
                }
            }
        }
        while (!subscriber.TryGoLive());
    }

    /// <summary>
    /// A run subscriber fell too far behind: catch it up again from the last event it was given. A read that fails is
    /// tried again (after a growing pause) until it succeeds or the subscription ends: given up, the subscriber would
    /// hold live events and never be given them.
    /// </summary>
    private async Task ResyncRunAsync(string runId, RelaySubscriber<RunEvent> subscriber)
    {
        LogOverflow(logger, runId, maxQueuedItems);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await CatchUpAsync(runId, subscriber, subscriber.Stopping);
                return;
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                // Disposed meanwhile.
                return;
            }
            catch (RunsClientException ex)
            {
                LogUpstreamFailed(logger, runId, ex);
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 250 * attempt)), subscriber.Stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task EnsureVisibleAsync(string runId, WorkflowAccess access, CancellationToken cancellationToken)
    {
        if (access.RunId is { } only && only != runId)
        {
            throw new RunNotFoundException("No run with this id.");
        }
        if (access.Workflows is { } workflows)
        {
            // The service decides, with the same rule as for every other read.
            await Client.ForWorkflows(workflows).Run(runId).RecordAsync(cancellationToken: cancellationToken);
        }
    }

    private void Unsubscribe(string runId, RelaySubscriber<RunEvent> subscriber)
    {
        subscriber.Dispose();
        lock (_gate)
        {
            if (_runs.TryGetValue(runId, out var upstream) && upstream.Subscribers.Remove(subscriber) && upstream.Subscribers.Count == 0)
            {
                _runs.TryRemove(runId, out _);
                upstream.Stop();
            }
        }
    }

    private void Unsubscribe(RelaySubscriber<RunChange> subscriber)
    {
        subscriber.Dispose();
        lock (_gate)
        {
            if (_feed is { } feed && feed.Subscribers.Remove(subscriber) && feed.Subscribers.Count == 0)
            {
                _feed = null;
                feed.Stop();
            }
        }
    }

    private async Task FollowRunAsync(Upstream<RunEvent> upstream, string from)
    {
        try
        {
            await foreach (var e in Source.FollowRunAsync(upstream.Key, from, upstream.Stopping).ConfigureAwait(false))
            {
                Dispatch(upstream, e);
            }
        }
        catch (OperationCanceledException) when (upstream.Stopping.IsCancellationRequested)
        {
            // The last subscriber left.
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogUpstreamFailed(logger, upstream.Key, ex);
        }
    }

    private async Task FollowFeedAsync(Upstream<RunChange> upstream)
    {
        try
        {
            var tail = await Client.FeedTailAsync(upstream.Stopping).ConfigureAwait(false);
            upstream.SetPositioned();
            await foreach (var change in Source.FollowFeedAsync(tail, upstream.Stopping).ConfigureAwait(false))
            {
                Dispatch(upstream, change);
            }
        }
        catch (OperationCanceledException) when (upstream.Stopping.IsCancellationRequested)
        {
            // The last subscriber left.
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogUpstreamFailed(logger, "feed", ex);
        }
        finally
        {
            // A reader that stopped before it was positioned must not hold its subscribers' joins forever.
            upstream.SetPositioned();
        }
    }

    private void Dispatch<T>(Upstream<T> upstream, T item) where T : class
    {
        lock (_gate)
        {
            foreach (var subscriber in upstream.Subscribers)
            {
                subscriber.Offer(item);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var upstream in _runs.Values)
            {
                upstream.Stop();
            }
            _feed?.Stop();
        }
    }

    private sealed class Upstream<T> where T : class
    {
        private readonly CancellationTokenSource _stop;
        private readonly TaskCompletionSource _positioned = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Upstream(string key)
        {
            Key = key;
            _stop = new CancellationTokenSource();
            // Taken once: the reader asks for it after Stop() has disposed the source (in its catch filter, or when it
            // starts late), and a disposed source's Token throws where its token does not.
            Stopping = _stop.Token;
        }

        public string Key { get; }
        public List<RelaySubscriber<T>> Subscribers { get; } = [];
        public Task? Reader { get; set; }
        public CancellationToken Stopping { get; }

        /// <summary>Completes when the reader knows the offset it follows from (or has stopped).</summary>
        public Task Positioned => _positioned.Task;

        public void SetPositioned() => _positioned.TrySetResult();

        public void Stop()
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }

    /// <summary>What a subscriber holds: disposing it (once, from any thread) stops delivery and may stop the upstream.</summary>
    private sealed class Subscription(Action dispose) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                dispose();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A subscriber of {Key} fell {Limit} items behind: resynced")]
    private static partial void LogOverflow(ILogger logger, string key, int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay of {Key} stopped")]
    private static partial void LogUpstreamFailed(ILogger logger, string key, Exception exception);
}
