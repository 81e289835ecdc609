using System.Threading.Channels;
using Dashboard.Model.Runs;

namespace Dashboard.Services;

/// <summary>
/// One subscription's delivery: items are handed to <c>deliver</c> in order by one loop, in batches. While the
/// subscription catches up (reads what came before it joined), live items wait in a hold; items at or before the last
/// offset delivered are dropped, so a catch-up that overlaps the live items repeats nothing. At most <c>limit</c> items
/// wait (queued or held): one more and the subscriber overflows: what waits is dropped and the relay resyncs it (a run
/// catches up again from the last offset delivered; the feed reports a gap). A stalled reader costs bounded memory.
/// </summary>
internal sealed class RelaySubscriber<T> : IDisposable where T : class
{
    private const int MaxBatch = 500;

    private readonly Lock _gate = new();
    private readonly Channel<T> _queue = Channel.CreateUnbounded<T>(new() { SingleReader = true });
    private readonly List<T> _held = [];
    private readonly Func<T, string?> _offsetOf;
    private readonly Func<IReadOnlyList<T>, Task> _deliver;
    private readonly Action<RelaySubscriber<T>> _onOverflow;
    private readonly CancellationTokenSource _stop = new();
    private readonly int _limit;
    // Items in the queue the pump has not taken. Held items are counted apart: the pump cannot drain them, so a
    // catch-up pass paced on both would wait for a queue that is already empty.
    private int _queued;
    private bool _live;
    private bool _catchingUp = true;
    private bool _needsResync;
    private string? _lastDelivered;
    // The last item the pass under way queued: held items up to it are repeats, not queued after the pass.
    private string? _lastQueued;

    public RelaySubscriber(Func<T, string?> offsetOf, Func<IReadOnlyList<T>, Task> deliver, int limit, Action<RelaySubscriber<T>> onOverflow)
    {
        _offsetOf = offsetOf;
        _deliver = deliver;
        _limit = Math.Max(2, limit);
        _onOverflow = onOverflow;
        _ = Task.Run(PumpAsync);
    }

    /// <summary>The offset of the last item delivered (or where the subscription started): a resync reads on from here.</summary>
    public string? LastDelivered
    {
        get
        {
            lock (_gate)
            {
                return _lastDelivered;
            }
        }
    }

    public CancellationToken Stopping => _stop.Token;

    /// <summary>Where delivery starts: items at or before <paramref name="offset"/> are not delivered.</summary>
    public void StartAfter(string? offset)
    {
        lock (_gate)
        {
            _lastDelivered = offset;
        }
    }

    /// <summary>A live item: queued, or held while the subscription catches up.</summary>
    public void Offer(T item)
    {
        lock (_gate)
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }
            if (_queued + _held.Count + 1 > _limit)
            {
                Overflow();
                return;
            }
            if (_live)
            {
                _queued++;
                _queue.Writer.TryWrite(item);
            }
            else
            {
                _held.Add(item);
            }
        }
    }

    /// <summary>A catch-up pass starts: where to read from (the last item delivered; null for the stream's start).</summary>
    public string? BeginPass()
    {
        lock (_gate)
        {
            _needsResync = false;
            _lastQueued = _lastDelivered;
            return _lastDelivered;
        }
    }

    /// <summary>
    /// Catch-up items, paced: waits while half a queue is still to deliver, rather than queueing a long history at once.
    /// False when the subscriber overflowed meanwhile: the pass is void, and a new one starts from the last delivered.
    /// </summary>
    public async Task<bool> CatchUpAsync(IReadOnlyList<T> items, CancellationToken cancellationToken)
    {
        var chunk = Math.Max(1, _limit / 2);
        foreach (var part in items.Chunk(chunk))
        {
            while (Volatile.Read(ref _queued) > _limit - chunk && !Volatile.Read(ref _needsResync))
            {
                // A disposed subscriber delivers nothing more: its queue will not drain.
                if (_stop.IsCancellationRequested)
                {
                    throw new OperationCanceledException("The subscription was disposed.");
                }
                await Task.Delay(20, cancellationToken);
            }
            lock (_gate)
            {
                if (_needsResync)
                {
                    return false;
                }
                _queued += part.Length;
                foreach (var item in part)
                {
                    _queue.Writer.TryWrite(item);
                    _lastQueued = _offsetOf(item) ?? _lastQueued;
                }
            }
        }
        return true;
    }

    /// <summary>
    /// After a catch-up pass: the held items follow it, then everything live goes straight to the queue. False when the
    /// subscriber overflowed during the pass: another pass is needed.
    /// </summary>
    public bool TryGoLive()
    {
        lock (_gate)
        {
            if (_needsResync)
            {
                return false;
            }
            GoLive();
            return true;
        }
    }

    /// <summary>Called under the gate: the held items that follow what was queued, then everything live, go to the queue.</summary>
    private void GoLive()
    {
        // Live items the pass also read are dropped here rather than by the pump: queued, they would count against the
        // limit and could overflow a subscriber that is not behind.
        foreach (var item in _held)
        {
            if (EventOffset.IsNew(_offsetOf(item), _lastQueued))
            {
                _queue.Writer.TryWrite(item);
                _queued++;
            }
        }
        _held.Clear();
        _live = true;
        _catchingUp = false;
    }

    /// <summary>
    /// After an overflow, for a subscriber that has no catch-up (the feed): what was dropped stays dropped (the caller
    /// tells its reader so), and live items are delivered again from here.
    /// </summary>
    public void SkipToLive()
    {
        lock (_gate)
        {
            _needsResync = false;
            _lastQueued = _lastDelivered;
            GoLive();
        }
    }

    /// <summary>
    /// Called under the gate: drop everything waiting, hold live items again, and have the relay resync, unless a
    /// catch-up is under way (it sees <see cref="_needsResync"/> and starts another pass). Items the pump has already
    /// taken are delivered; <see cref="_lastDelivered"/> marks where the resync reads on.
    /// </summary>
    private void Overflow()
    {
        while (_queue.Reader.TryRead(out _))
        {
        }
        _held.Clear();
        _queued = 0;
        _live = false;
        _needsResync = true;
        if (!_catchingUp)
        {
            _catchingUp = true;
            // Deferred: Offer runs while the relay hands out an item to every subscriber.
            _ = Task.Run(() => _onOverflow(this));
        }
    }

    private async Task PumpAsync()
    {
        var batch = new List<T>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_stop.Token))
            {
                batch.Clear();
                lock (_gate)
                {
                    while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
                    {
                        _queued = Math.Max(0, _queued - 1);
                        var offset = _offsetOf(item);
                        if (!EventOffset.IsNew(offset, _lastDelivered))
                        {
                            continue;
                        }
                        _lastDelivered = offset ?? _lastDelivered;
                        batch.Add(item);
                    }
                }
                if (batch.Count > 0)
                {
                    await _deliver(batch.ToArray());
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or ChannelClosedException)
        {
            // Disposed.
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }
            _stop.Cancel();
            _queue.Writer.TryComplete();
            _held.Clear();
        }
        _stop.Dispose();
    }
}
