using Dashboard.Runs.Access;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// OTLP log records waiting for their trace's spans: kept by trace id until the spans come (a trace export takes
/// them) or they have waited <see cref="MaxWait"/> (the sweeper takes them). Bounded in records and in size; past
/// either bound the oldest are let go and counted. Each record keeps the key that sent it, and joins its run with that
/// key's rights. In memory, each also offered in the store while it waits (<see cref="OtlpContentOffers"/>), so that
/// a process killed meanwhile loses none: what still waits when it stops is parked in the store for the next
/// (<see cref="OtlpParkedLogs"/>), and what a killed one held is taken back once its time is up.
/// </summary>
internal sealed class OtlpLogHold(TimeProvider time, TimeSpan maxWait, int maxRecords = 50_000, long maxBytes = 64L * 1024 * 1024)
{
    /// <param name="Offer">Where the record stands in the store's offers (<see cref="OtlpContentOffers"/>).</param>
    public readonly record struct Waiting(OtlpLogRecord Record, Caller Caller, DateTimeOffset Since, OfferState Offer = OfferState.None);

    private readonly record struct Held(Waiting Item, long Bytes);

    private readonly object _gate = new();
    // Completed (and replaced) whenever records come: what waits for a record wakes and looks again.
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, List<Held>> _byTrace = new(StringComparer.Ordinal);
    // Traces in the order their first record came: the oldest are let go first.
    private readonly LinkedList<string> _order = new();
    private int _count;
    private long _bytes;
    private long _evicted;

    public TimeSpan MaxWait => maxWait;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Records let go to stay within bounds since the last call (for the service's log).</summary>
    public long TakeEvictedCount()
    {
        lock (_gate)
        {
            var evicted = _evicted;
            _evicted = 0;
            return evicted;
        }
    }

    /// <summary>Keeps records that came now.</summary>
    public void Add(IEnumerable<OtlpLogRecord> records, Caller caller) => Return(Stamp(records, caller));

    /// <summary>Records that came now as they would wait here (not kept yet).</summary>
    public List<Waiting> Stamp(IEnumerable<OtlpLogRecord> records, Caller caller)
    {
        var now = time.GetUtcNow();
        return records.Select(r => new Waiting(r, caller, now)).ToList();
    }

    /// <summary>Keeps records again, each with the time it began to wait.</summary>
    public void Return(IEnumerable<Waiting> items)
    {
        lock (_gate)
        {
            foreach (var item in items)
            {
                if (!_byTrace.TryGetValue(item.Record.TraceId, out var list))
                {
                    _byTrace[item.Record.TraceId] = list = [];
                    _order.AddLast(item.Record.TraceId);
                }
                var bytes = SizeOf(item.Record);
                list.Add(new Held(item, bytes));
                _count++;
                _bytes += bytes;
            }
            while ((_count > maxRecords || _bytes > maxBytes) && _order.First is { } oldest)
            {
                _evicted += Remove(oldest.Value).Count;
            }
            _arrived.TrySetResult();
            _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>
    /// Waits until a record of each of these spans of the trace that <paramref name="matches"/> is here, or for
    /// <paramref name="timeout"/>; true when all came.
    /// </summary>
    public async Task<bool> WaitForAsync(string traceId, IReadOnlyCollection<string> spanIds, Func<OtlpLogRecord, bool> matches, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using var timedOut = new CancellationTokenSource(timeout, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(timedOut.Token, cancellationToken);
        while (true)
        {
            Task arrived;
            lock (_gate)
            {
                var here = _byTrace.TryGetValue(traceId, out var list)
                    ? list.Where(h => h.Item.Record.SpanId is not null && matches(h.Item.Record)).Select(h => h.Item.Record.SpanId!).ToHashSet(StringComparer.Ordinal)
                    : [];
                if (spanIds.All(here.Contains))
                {
                    return true;
                }
                arrived = _arrived.Task;
            }
            try
            {
                await arrived.WaitAsync(either.Token);
            }
            catch (OperationCanceledException) when (timedOut.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }
    }

    /// <summary>What waits for this trace and came with this caller's key; none of it waits after this.</summary>
    public List<Waiting> Take(string traceId, Caller caller) => TakeWhere(traceId, w => w.Caller.Name == caller.Name);

    /// <summary>The spans records wait for (trace id, span id): at most <paramref name="max"/>, the oldest traces' first.</summary>
    public List<(string Trace, string Span)> WaitingSpans(int max)
    {
        lock (_gate)
        {
            return _order.SelectMany(trace => _byTrace[trace].Select(h => h.Item.Record.SpanId).OfType<string>().Distinct(StringComparer.Ordinal).Select(span => (trace, span)))
                .Take(max)
                .ToList();
        }
    }

    /// <summary>What waits for this trace and <paramref name="matches"/>; none of it waits after this.</summary>
    public List<Waiting> TakeWhere(string traceId, Func<Waiting, bool> matches)
    {
        lock (_gate)
        {
            if (!_byTrace.TryGetValue(traceId, out var list))
            {
                return [];
            }
            var taken = list.Where(h => matches(h.Item)).ToList();
            if (taken.Count == list.Count)
            {
                Remove(traceId);
            }
            else
            {
                list.RemoveAll(h => matches(h.Item));
                _count -= taken.Count;
                _bytes -= taken.Sum(h => h.Bytes);
            }
            return taken.Select(h => h.Item).ToList();
        }
    }

    /// <summary>Every record waiting, oldest traces first; none waits here after this (the service is stopping).</summary>
    public List<Waiting> TakeAll()
    {
        lock (_gate)
        {
            var all = _order.SelectMany(trace => _byTrace[trace].Select(h => h.Item)).ToList();
            _byTrace.Clear();
            _order.Clear();
            _count = 0;
            _bytes = 0;
            return all;
        }
    }

    /// <summary>Every record that has waited its time, by trace.</summary>
    public List<List<Waiting>> TakeExpired()
    {
        var cutoff = time.GetUtcNow() - maxWait;
        var expired = new List<List<Waiting>>();
        lock (_gate)
        {
            if (_count == 0)
            {
                return expired;
            }
            foreach (var traceId in _order.ToList())
            {
                var list = _byTrace[traceId];
                var done = list.Where(h => h.Item.Since <= cutoff).ToList();
                if (done.Count == 0)
                {
                    continue;
                }
                if (done.Count == list.Count)
                {
                    Remove(traceId);
                }
                else
                {
                    list.RemoveAll(h => h.Item.Since <= cutoff);
                    _count -= done.Count;
                    _bytes -= done.Sum(h => h.Bytes);
                }
                expired.Add(done.Select(h => h.Item).ToList());
            }
        }
        return expired;
    }

    private List<Held> Remove(string traceId)
    {
        var list = _byTrace[traceId];
        _byTrace.Remove(traceId);
        _order.Remove(traceId);
        _count -= list.Count;
        _bytes -= list.Sum(h => h.Bytes);
        return list;
    }

    // About what a record holds on to: its text twice over (UTF-16) and a few hundred bytes of objects.
    private static long SizeOf(OtlpLogRecord record) =>
        256 + 2L * record.Message.Length + record.Attributes.Sum(a => 64 + 2L * a.Key.Length + 2L * (a.Value?.ToJsonString().Length ?? 0));
}
