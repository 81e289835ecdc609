using Dashboard.Model.Events;
using Dashboard.Streams.Core;

namespace Dashboard.Runs.Search;

/// <summary>
/// The batches this instance stored lately, as ingestion had them parsed, for the search indexer that follows the feed
/// behind it: reading each batch back from its run's stream and parsing it again was about a tenth of the runs
/// service's CPU under ingestion. A batch is known by its run and the place it spans in the run's stream, which only
/// a committed append of exactly those events can fill; one that is not here (stored by another instance, evicted while
/// the indexer was far behind, or stored before a restart) is read from the stream as before.
/// </summary>
internal sealed class RecentBatches(long capacityBytes = 32 * 1024 * 1024, int capacityBatches = 8_192)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Key, Entry> _batches = [];
    private readonly Queue<Key> _order = new();
    private long _bytes;

    /// <summary>After the append of <paramref name="events"/> from <paramref name="start"/> to <paramref name="end"/> committed.</summary>
    public void Add(string runId, StreamOffset start, StreamOffset end, IReadOnlyList<RunEvent> events, long bytes)
    {
        if (bytes > capacityBytes / 4)
        {
            // A batch of megabyte payloads would push out everything else for one hit.
            return;
        }
        lock (_lock)
        {
            var key = new Key(runId, start, end);
            if (!_batches.TryAdd(key, new Entry(events, bytes)))
            {
                return;
            }
            _order.Enqueue(key);
            _bytes += bytes;
            // Oldest first: the indexer takes batches in the feed's order, so the oldest is one it read from the stream
            // (it looked before this was added) or gave up on. The order also holds the keys of batches taken since; its
            // length bounds both.
            while ((_bytes > capacityBytes || _order.Count > capacityBatches) && _order.TryDequeue(out var oldest))
            {
                if (_batches.Remove(oldest, out var dropped))
                {
                    _bytes -= dropped.Bytes;
                }
            }
        }
    }

    /// <summary>The events of the batch of <paramref name="runId"/> from <paramref name="start"/> to <paramref name="end"/>, once; null when not here.</summary>
    public IReadOnlyList<RunEvent>? Take(string runId, StreamOffset start, StreamOffset end)
    {
        lock (_lock)
        {
            if (!_batches.Remove(new Key(runId, start, end), out var entry))
            {
                return null;
            }
            _bytes -= entry.Bytes;
            // Its key stays in the order until it reaches the front; removing it there finds nothing.
            if (_batches.Count == 0)
            {
                _order.Clear();
            }
            return entry.Events;
        }
    }

    private readonly record struct Key(string RunId, StreamOffset Start, StreamOffset End);

    private sealed record Entry(IReadOnlyList<RunEvent> Events, long Bytes);
}
