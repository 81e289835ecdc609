using Microsoft.Data.Sqlite;

namespace Dashboard.Streams.Storage;

/// <summary>
/// Items that writes hand to the end of their transaction instead of writing them at once, so that the items of every
/// write in one group commit are written together (the runs service sums their aggregates: a group of eight batches of one
/// workflow adds to each aggregate row once, not eight times). An item counts only if its write does: one added by a
/// write whose work fails, and whose savepoint is rolled back, is dropped. The flush runs inside the transaction, after
/// every write's own work and before the commit; if it fails, the transaction fails whole.
/// </summary>
public sealed class CommitQueue<T> : ICommitQueue
{
    private readonly Action<SqliteTransaction, IReadOnlyList<T>> _flush;
    private readonly List<T> _kept = [];
    private readonly List<T> _current = [];

    internal CommitQueue(Action<SqliteTransaction, IReadOnlyList<T>> flush) => _flush = flush;

    /// <summary>Adds an item of the write running now (only from inside the store's <c>Write</c>, on its thread).</summary>
    public void Add(T item) => _current.Add(item);

    void ICommitQueue.Keep()
    {
        _kept.AddRange(_current);
        _current.Clear();
    }

    void ICommitQueue.Drop() => _current.Clear();

    void ICommitQueue.Flush(SqliteTransaction transaction)
    {
        if (_kept.Count > 0)
        {
            _flush(transaction, _kept);
        }
    }

    void ICommitQueue.Clear()
    {
        _kept.Clear();
        _current.Clear();
    }
}

/// <summary>What the store does with a <see cref="CommitQueue{T}"/> as its writes succeed or fail and its transaction ends.</summary>
internal interface ICommitQueue
{
    void Keep();

    void Drop();

    void Flush(SqliteTransaction transaction);

    void Clear();
}
