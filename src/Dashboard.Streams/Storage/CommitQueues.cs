using System.Data.Common;

namespace Dashboard.Streams.Storage;

/// <summary>
/// A store's <see cref="CommitQueue{T}"/>s, made at start-up and then kept, flushed and cleared together as the
/// store's writes succeed or fail and their transactions end.
/// </summary>
internal sealed class CommitQueues
{
    private readonly Lock _gate = new();

    // Replaced, never changed, when a queue is added: transactions running meanwhile go on with the array they read.
    private ICommitQueue[] _queues = [];

    public CommitQueue<T> Add<T>(Action<DbTransaction, IReadOnlyList<T>> flush)
    {
        var queue = new CommitQueue<T>(flush);
        lock (_gate)
        {
            _queues = [.. _queues, queue];
        }
        return queue;
    }

    /// <summary>The items the write that just succeeded added count.</summary>
    public void KeepAll()
    {
        foreach (var queue in _queues)
        {
            queue.Keep();
        }
    }

    /// <summary>Writes every queue's kept items in <paramref name="transaction"/>, before it commits.</summary>
    public void FlushAll(DbTransaction transaction)
    {
        foreach (var queue in _queues)
        {
            queue.Flush(transaction);
        }
    }

    /// <summary>The transaction ended, committed or not: its items are done with.</summary>
    public void ClearAll()
    {
        foreach (var queue in _queues)
        {
            queue.Clear();
        }
    }
}
