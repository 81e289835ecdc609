using System.Collections.Concurrent;
using System.Threading.Channels;
using Dashboard.Client;
using Dashboard.Client.Errors;
using Dashboard.Hubs;
using Dashboard.Model.Events;
using Dashboard.Model.Runs;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Services;

/// <summary>
/// Relays runs' Durable Streams to hub connections. For each run at least one connection watches, one upstream reader
/// follows the run's stream (through the client, over server-sent events, resuming with backoff); it stops when the
/// last viewer leaves. A
/// joining connection first gets a catch-up read from the offset it asks for, then the live events: nothing is missed
/// between the two, and anything seen twice is dropped by offset. Each connection's queue is bounded: a connection that
/// falls <paramref name="maxQueuedItems"/> behind is dropped from the relay and told to join again from the last offset
/// it received (<see cref="IRunsHubClient.Resync"/>), so a stalled browser costs the server bounded memory and loses
/// nothing.
/// </summary>
public sealed partial class RunStreamRelay(IServiceProvider services, IHubContext<RunsHub, IRunsHubClient> hub, ILogger<RunStreamRelay> logger,
    int maxQueuedItems = 10_000) : IDisposable
{
    private const int MaxBatch = 500;
    private readonly ConcurrentDictionary<string, Upstream> _runs = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private Upstream? _feed;

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

    // The service key's whole view: the relay is shared, and the hub checks each viewer's access before relaying.
    private RunsClient Client => services.GetRequiredService<RunsClient>();

    public async Task JoinRunAsync(string connectionId, string runId, string? fromOffset, CancellationToken cancellationToken)
    {
        Upstream upstream;
        Subscriber subscriber;
        lock (_gate)
        {
            upstream = _runs.GetOrAdd(runId, id => new Upstream(id));
            if (upstream.Subscribers.ContainsKey(connectionId))
            {
                return;
            }
            subscriber = new Subscriber(connectionId, batch => hub.Clients.Client(connectionId).RunEvents(runId, batch.Cast<RunEvent>().ToList()),
                maxQueuedItems, () => Overflowed(connectionId, runId));
            upstream.Subscribers[connectionId] = subscriber;
        }
        try
        {
            var run = Client.Run(runId);
            if (upstream.Reader is null)
            {
                // The reader starts at the tail as it is now; the catch-up below reads up to at least that point.
                var tail = (await run.EventsAsync("now", cancellationToken: cancellationToken)).NextOffset;
                lock (_gate)
                {
                    upstream.Reader ??= Task.Run(() => FollowRunAsync(upstream, tail));
                }
            }
            var offset = string.IsNullOrEmpty(fromOffset) ? "-1" : fromOffset;
            while (true)
            {
                var page = await run.EventsAsync(offset, cancellationToken: cancellationToken);
                await subscriber.SendAsync(page.Items, cancellationToken);
                offset = page.NextOffset;
                if (page.UpToDate || page.Items.Count == 0)
                {
                    break;
                }
            }
            lock (_gate)
            {
                subscriber.GoLive();
            }
        }
        catch
        {
            LeaveRun(connectionId, runId);
            throw;
        }
    }

    public void LeaveRun(string connectionId, string runId)
    {
        lock (_gate)
        {
            if (_runs.TryGetValue(runId, out var upstream) && upstream.Subscribers.Remove(connectionId, out var subscriber))
            {
                subscriber.Dispose();
                if (upstream.Subscribers.Count == 0)
                {
                    _runs.TryRemove(runId, out _);
                    upstream.Stop();
                }
            }
        }
    }

    /// <summary>Joins the all-runs feed; <paramref name="visible"/> keeps out the changes of runs this viewer may not see.</summary>
    public Task JoinFeedAsync(string connectionId, CancellationToken cancellationToken, Func<RunChange, bool>? visible = null)
    {
        lock (_gate)
        {
            _feed ??= new Upstream("feed");
            if (_feed.Subscribers.ContainsKey(connectionId))
            {
                return Task.CompletedTask;
            }
            var subscriber = new Subscriber(connectionId, batch =>
            {
                var changes = batch.Cast<RunChange>().Where(visible ?? (_ => true)).ToList();
                return changes.Count == 0 ? Task.CompletedTask : hub.Clients.Client(connectionId).RunChanges(changes);
            }, maxQueuedItems, () => Overflowed(connectionId, null));
            subscriber.GoLive();
            _feed.Subscribers[connectionId] = subscriber;
            var feed = _feed;
            feed.Reader ??= Task.Run(() => FollowFeedAsync(feed));
        }
        return Task.CompletedTask;
    }

    public void LeaveFeed(string connectionId)
    {
        lock (_gate)
        {
            if (_feed is { } feed && feed.Subscribers.Remove(connectionId, out var subscriber))
            {
                subscriber.Dispose();
                if (feed.Subscribers.Count == 0)
                {
                    _feed = null;
                    feed.Stop();
                }
            }
        }
    }

    public void LeaveAll(string connectionId)
    {
        foreach (var runId in _runs.Keys)
        {
            LeaveRun(connectionId, runId);
        }
        LeaveFeed(connectionId);
    }

    private async Task FollowRunAsync(Upstream upstream, string from)
    {
        try
        {
            await foreach (var e in Client.Run(upstream.Key).LiveTraceAsync(from, Upstream.Live, upstream.Stopping).ConfigureAwait(false))
            {
                Dispatch(upstream, e);
            }
        }
        catch (OperationCanceledException) when (upstream.Stopping.IsCancellationRequested)
        {
            // The last viewer left.
        }
        catch (RunsClientException ex)
        {
            LogUpstreamFailed(logger, upstream.Key, ex);
        }
    }

    private async Task FollowFeedAsync(Upstream upstream)
    {
        try
        {
            await foreach (var change in Client.LiveFeedAsync("now", Upstream.Live, upstream.Stopping).ConfigureAwait(false))
            {
                Dispatch(upstream, change);
            }
        }
        catch (OperationCanceledException) when (upstream.Stopping.IsCancellationRequested)
        {
            // The last viewer left.
        }
        catch (RunsClientException ex)
        {
            LogUpstreamFailed(logger, "feed", ex);
        }
    }

    /// <summary>
    /// A connection fell too far behind: stop queueing for it and ask it to join again from what it has. Deferred, since
    /// this is called while the upstream hands out an item under the lock.
    /// </summary>
    private void Overflowed(string connectionId, string? runId) => _ = Task.Run(async () =>
    {
        LogOverflow(logger, connectionId, runId ?? "feed", maxQueuedItems);
        if (runId is null)
        {
            LeaveFeed(connectionId);
        }
        else
        {
            LeaveRun(connectionId, runId);
        }
        try
        {
            await hub.Clients.Client(connectionId).Resync(runId);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
        {
            // Gone already; a reconnecting client joins again from its last offset anyway.
        }
    });

    private void Dispatch(Upstream upstream, object item)
    {
        lock (_gate)
        {
            foreach (var subscriber in upstream.Subscribers.Values)
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

    private static string? OffsetOf(object item) => item switch
    {
        RunEvent e => e.Offset,
        RunChange c => c.FeedOffset,
        _ => null,
    };

    private sealed class Upstream(string key)
    {
        /// <summary>One server-sent-events connection per upstream: a busy run costs no request per event.</summary>
        public static readonly LiveOptions Live = new() { Transport = LiveTransport.ServerSentEvents };

        private readonly CancellationTokenSource _stop = new();

        public string Key { get; } = key;
        public Dictionary<string, Subscriber> Subscribers { get; } = new(StringComparer.Ordinal);
        public Task? Reader { get; set; }
        public CancellationToken Stopping => _stop.Token;

        public void Stop()
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }

    /// <summary>
    /// One connection's queue: sent in order by one loop; while the connection catches up, live items wait in
    /// <see cref="_held"/>. Items at or before the last offset sent are dropped. At most <see cref="_limit"/> items wait
    /// (queued or held); one more and the subscriber overflows: it stops, and the relay asks the connection to resync.
    /// </summary>
    private sealed class Subscriber : IDisposable
    {
        private readonly Channel<IReadOnlyList<object>> _queue = Channel.CreateUnbounded<IReadOnlyList<object>>(new() { SingleReader = true });
        private readonly List<object> _held = [];
        private readonly Func<IReadOnlyList<object>, Task> _send;
        private readonly CancellationTokenSource _stop = new();
        private readonly int _limit;
        private readonly Action _onOverflow;
        private int _waiting;
        private bool _live;
        private int _overflowed;
        private string? _lastSent;

        public Subscriber(string connectionId, Func<IReadOnlyList<object>, Task> send, int limit, Action onOverflow)
        {
            ConnectionId = connectionId;
            _send = send;
            _limit = Math.Max(1, limit);
            _onOverflow = onOverflow;
            _ = Task.Run(PumpAsync);
        }

        public string ConnectionId { get; }

        /// <summary>Catch-up pages: waits while the connection has half a queue to get through, rather than queueing a long history at once.</summary>
        public async Task SendAsync(IReadOnlyList<object> items, CancellationToken cancellationToken)
        {
            var chunk = Math.Max(1, _limit / 2);
            foreach (var part in items.Chunk(chunk))
            {
                while (Volatile.Read(ref _waiting) > _limit - chunk && Volatile.Read(ref _overflowed) == 0)
                {
                    await Task.Delay(20, cancellationToken);
                }
                Enqueue(part);
            }
        }

        private void Enqueue(IReadOnlyList<object> items)
        {
            if (items.Count == 0 || Volatile.Read(ref _overflowed) != 0)
            {
                return;
            }
            if (Interlocked.Add(ref _waiting, items.Count) > _limit)
            {
                Overflow();
                return;
            }
            _queue.Writer.TryWrite(items);
        }

        public void Offer(object item)
        {
            if (_live)
            {
                Enqueue([item]);
            }
            else if (Volatile.Read(ref _overflowed) == 0)
            {
                _held.Add(item);
                if (Interlocked.Increment(ref _waiting) > _limit)
                {
                    Overflow();
                }
            }
        }

        /// <summary>Called under the relay's lock after the catch-up: the held items follow it, then everything live.</summary>
        public void GoLive()
        {
            var held = _held.ToList();
            _held.Clear();
            Interlocked.Add(ref _waiting, -held.Count);
            Enqueue(held);
            _live = true;
        }

        private void Overflow()
        {
            if (Interlocked.Exchange(ref _overflowed, 1) != 0)
            {
                return;
            }
            _queue.Writer.TryComplete();
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Left at the same moment: nothing to stop, nobody to tell.
                return;
            }
            _onOverflow();
        }

        private async Task PumpAsync()
        {
            try
            {
                while (await _queue.Reader.WaitToReadAsync(_stop.Token))
                {
                    var batch = new List<object>();
                    while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var items))
                    {
                        Interlocked.Add(ref _waiting, -items.Count);
                        foreach (var item in items)
                        {
                            var offset = OffsetOf(item);
                            if (offset is not null && _lastSent is not null && string.CompareOrdinal(offset, _lastSent) <= 0)
                            {
                                continue;
                            }
                            _lastSent = offset ?? _lastSent;
                            batch.Add(item);
                        }
                    }
                    if (batch.Count > 0)
                    {
                        await _send(batch);
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                // Left, or overflowed.
            }
        }

        public void Dispose()
        {
            _queue.Writer.TryComplete();
            if (!_stop.IsCancellationRequested)
            {
                _stop.Cancel();
            }
            _stop.Dispose();
            _held.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection {ConnectionId} fell {Limit} items behind on {Key}: asked to resync")]
    private static partial void LogOverflow(ILogger logger, string connectionId, string key, int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay of {Key} stopped")]
    private static partial void LogUpstreamFailed(ILogger logger, string key, Exception exception);
}
