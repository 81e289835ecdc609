using Dashboard.Model.Events;
using Dashboard.Streams.Core;

namespace Dashboard.Runs.Ingestion;

/// <summary>
/// One in-process follower's share of <see cref="RunBatchHandoff"/>: the batches handed to it, and a count of the
/// changes of its stream that no handed batch accounts for. The count is wake-ups minus batches handed plus batches
/// dropped: every handed batch is added before the wake-up of its append, so the count never runs ahead of the changes
/// that came another way, and once those wake-ups are in, it equals them. A follower reads the store whenever the count
/// is not what it was when it last read (a few reads more than needed while a batch is between its hand-off and its
/// wake-up; never one too few).
/// </summary>
public sealed class RunFollow : IDisposable
{
    /// <summary>
    /// Batches kept for a follower that has not taken them; past either bound the oldest go (and are read from the store).
    /// A follower takes each batch within milliseconds of its wake-up, so these only bound a stalled one's memory (two
    /// hundred followed runs at most 800 MB together); a batch of larger payloads than this is read from the store.
    /// </summary>
    private const int MaxBatches = 64;
    private const long MaxBytes = 4 * 1024 * 1024;

    private readonly RunBatchHandoff _handoff;
    private readonly Lock _gate = new();
    private readonly Queue<HandedBatch> _batches = new();
    private long _bytes;
    private long _wakes;
    private long _handed;
    private long _dropped;

    internal RunFollow(RunBatchHandoff handoff, string path)
    {
        _handoff = handoff;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Changes of the stream not accounted for by handed batches: a follower reads the store when this is not what it was at its last read.</summary>
    public long Unaccounted
    {
        get
        {
            lock (_gate)
            {
                return _wakes - _handed + _dropped;
            }
        }
    }

    /// <summary>
    /// The handed events after <paramref name="position"/>, when the batches here go on from exactly there; false when
    /// none do: nothing handed, or a gap (<paramref name="gap"/>: the next one starts further on, so something was
    /// appended another way, and the store has what is between, whether or not its wake-up has come yet).
    /// </summary>
    public bool TryTake(StreamOffset position, out IReadOnlyList<RunEvent> events, out StreamOffset next, out bool gap)
    {
        events = [];
        next = position;
        gap = false;
        lock (_gate)
        {
            while (_batches.TryPeek(out var oldest) && oldest.End <= position)
            {
                Dequeue();
            }
            if (!_batches.TryPeek(out var batch) || batch.Start > position)
            {
                gap = batch is not null;
                return false;
            }
            Dequeue();
            // The store may have given part of this batch already (a read stops at its limits between messages).
            events = batch.Start == position ? batch.Events : batch.Events.Where(e => StreamOffset.TryParse(e.Offset, out var end) && end > position).ToArray();
            next = batch.End;
            _handoff.Took();
            return true;
        }
    }

    internal void Add(HandedBatch batch)
    {
        lock (_gate)
        {
            _handed++;
            _batches.Enqueue(batch);
            _bytes += batch.Bytes;
            while ((_batches.Count > MaxBatches || _bytes > MaxBytes) && _batches.Count > 0)
            {
                Dequeue();
                _dropped++;
            }
        }
    }

    internal void Changed()
    {
        lock (_gate)
        {
            _wakes++;
        }
    }

    private void Dequeue() => _bytes -= _batches.Dequeue().Bytes;

    public void Dispose() => _handoff.Unfollow(this);
}
