using System.Data.Common;

namespace Dashboard.Streams.Storage;

/// <summary>
/// Items that writes hand to the end of their transaction instead of writing them at once, so that the items of every
/// write in one group commit are written together (the runs service sums their aggregates: a group of eight batches of one
/// workflow adds to each aggregate row once, not eight times). An item counts only if its write does: when a write's
/// work fails, its transaction stores nothing and the other writes of its group run again alone (both stores). The flush runs inside the transaction, after
/// every write's own work and before the commit; if it fails, the transaction fails whole.
/// </summary>
/// <remarks>
/// A transaction runs start to end on one thread, and PostgreSQL's store runs several at once (one per thread), so the
/// items are kept per thread.
/// </remarks>
public sealed class CommitQueue<T> : ICommitQueue
{
    private readonly Action<DbTransaction, IReadOnlyList<T>> _flush;
    private readonly ThreadLocal<Items> _items = new(() => new Items());

    internal CommitQueue(Action<DbTransaction, IReadOnlyList<T>> flush) => _flush = flush;

    private Items Mine => _items.Value!;

    /// <summary>Adds an item of the write running now (only from inside the store's <c>Write</c>, on its thread).</summary>
    public void Add(T item) => Mine.Current.Add(item);

    void ICommitQueue.Keep()
    {
        var items = Mine;
        items.Kept.AddRange(items.Current);
        items.Current.Clear();
    }

    void ICommitQueue.Flush(DbTransaction transaction)
    {
        if (Mine.Kept is { Count: > 0 } kept)
        {
            _flush(transaction, kept);
        }
    }

    void ICommitQueue.Clear()
    {
        var items = Mine;
        items.Kept.Clear();
        items.Current.Clear();
    }

    private sealed class Items
    {
        public List<T> Kept { get; } = [];
        public List<T> Current { get; } = [];
    }
}

/// <summary>What the store does with a <see cref="CommitQueue{T}"/> as its writes succeed or fail and its transaction ends.</summary>
internal interface ICommitQueue
{
    void Keep();

    void Flush(DbTransaction transaction);

    void Clear();
}
