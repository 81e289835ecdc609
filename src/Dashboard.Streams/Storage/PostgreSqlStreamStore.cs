using Dashboard.Streams.Core;
using Npgsql;

namespace Dashboard.Streams.Storage;

/// <summary>
/// The store for several instances sharing one PostgreSQL database. A write is one transaction in which every stream it
/// reads is locked (<c>SELECT … FOR UPDATE</c>) until the commit: the writers of one stream take turns across every
/// instance, as SQLite serialises all writers in one process, so the engine's rules (offsets, producers, closing) hold
/// however many instances append, while writers of different streams proceed together. Reads use pooled connections and
/// never wait for writes. The schema is versioned (<see cref="PostgreSqlSchema"/>).
/// </summary>
public sealed class PostgreSqlStreamStore : IStreamStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;
    private readonly ThreadLocal<PostgreSqlStreamWriter?> _current = new();
    private readonly Lock _queueLock = new();
    private List<PendingWrite> _queue = [];
    private int _leaders;
    private readonly CommitQueues _commitQueues = new();
    private int _disposed;

    public PostgreSqlStreamStore(string connectionString, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        if (settings.MaxAutoPrepare == 0)
        {
            // The same few statements run for every append and read: let Npgsql prepare them on each pooled connection.
            settings.MaxAutoPrepare = 64;
        }
        if (!connectionString.Contains("No Reset On Close", StringComparison.OrdinalIgnoreCase))
        {
            // Nothing here leaves session state on a connection (advisory locks are transaction-scoped), so a pooled
            // connection need not be reset before its next use: one statement less per request.
            settings.NoResetOnClose = true;
        }
        _dataSource = builder.Build();
        using var connection = _dataSource.OpenConnection();
        PostgreSqlSchema.Migrate(connection, "streams", PostgreSqlStreamWriter.Migrations);
    }

    public NpgsqlDataSource DataSource => _dataSource;

    /// <summary>
    /// The write transaction in progress on this thread, for work inside <see cref="Write{T}"/> that keeps rows of its
    /// own beside the streams (the runs service's projections): they commit, or roll back, with the append.
    /// </summary>
    public NpgsqlTransaction Transaction => _current.Value?.Transaction
        ?? throw new InvalidOperationException("The store's transaction is only reachable from work running inside Write.");

    /// <summary>
    /// The statements of the write transaction in progress on this thread that are sent together before its next read or
    /// its commit: work inside <see cref="Write{T}"/> adds its own writes there to send them in the same round trip.
    /// </summary>
    public NpgsqlBatch PendingWrites => _current.Value?.Pending
        ?? throw new InvalidOperationException("The store's transaction is only reachable from work running inside Write.");

    /// <summary>
    /// A queue whose items, added by writes, are handed to <paramref name="flush"/> together at the end of each
    /// transaction (<see cref="CommitQueue{T}"/>), with the writes it sends before the commit. Made at start-up.
    /// </summary>
    public CommitQueue<T> AddCommitQueue<T>(Action<System.Data.Common.DbTransaction, IReadOnlyList<T>> flush) =>
        _commitQueues.Add(flush);

    /// <summary>How many writes wait for the next transaction (for tests that need a group of several).</summary>
    internal int QueuedWrites
    {
        get
        {
            lock (_queueLock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a write transaction. Writes that arrive while one runs wait and are run together in
    /// the next (group commit): under many small appends (one event per request) each paid for its own transaction, its
    /// own append to the runs' feed, whose row every ingesting transaction locks until its commit, and its own aggregate
    /// rows; PostgreSQL spent its time on those, and the writers on waiting for the feed's row in turn.
    /// </summary>
    public T Write<T>(Func<IStreamWriter, T> work)
    {
        if (_current.Value is { } open)
        {
            // Work that writes again from inside a transaction joins that transaction.
            return work(open);
        }
        // Not disposed: a caller may return (its write done by another group while it led one) before that group has
        // woken it, and its signal must still take that wake (it waits on a monitor: no handle of the system to free).
        var pending = Enqueue(work, awaits: false);
        while (!LeadOrDone(pending))
        {
            pending.Wait();
        }
        return Result(pending);
    }

    /// <summary>
    /// <see cref="Write{T}"/> that awaits its turn instead of blocking a thread: while the groups at once are all taken,
    /// 200 engines posting at once otherwise held 192 thread-pool threads, each blocked until a group woke it. A caller
    /// given a place still leads its group on its own thread (Npgsql's calls in it are synchronous).
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<IStreamWriter, T> work)
    {
        if (_current.Value is { } open)
        {
            return work(open);
        }
        var pending = Enqueue(work, awaits: true);
        while (!LeadOrDone(pending))
        {
            await pending.WaitAsync().ConfigureAwait(false);
        }
        return Result(pending);
    }

    /// <summary>
    /// A caller given one of the groups' places (on arrival, or by a group that ended) leads a group of whatever waits
    /// then: with several groups at once, another may already have taken this caller's own write, and the place is used
    /// all the same (every place given is one Lead, which hands it on or gives it back). False: the caller waits until a
    /// group has done its work or a place is given to it.
    /// </summary>
    private bool LeadOrDone(PendingWrite pending)
    {
        while (pending.Leads)
        {
            Lead(pending);
        }
        return pending.Completed;
    }

    private PendingWrite<T> Enqueue<T>(Func<IStreamWriter, T> work, bool awaits)
    {
        var pending = new PendingWrite<T>(work, awaits);
        lock (_queueLock)
        {
            _queue.Add(pending);
            if (_leaders < MaxGroupsAtOnce)
            {
                _leaders++;
                pending.Leads = true;
            }
        }
        return pending;
    }

    private static T Result<T>(PendingWrite<T> pending)
    {
        if (pending.Error is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
        return pending.Result!;
    }

    /// <summary>
    /// A write in a transaction of its own, never grouped with others: for long work (the search indexer's passes, which
    /// take their own locks and may wait for another instance's) that the appends queued behind it should not wait for.
    /// </summary>
    public T WriteAlone<T>(Func<IStreamWriter, T> work) =>
        _current.Value is { } open ? work(open) : WithRetries(() => WriteOnce(work));

    /// <summary>
    /// How many groups run at once, each on its own connection and thread: one alone kept the database waiting while its
    /// thread did each caller's work between round trips, and the callers waiting for it.
    /// </summary>
    public const int MaxGroupsAtOnce = 8;

    private readonly bool[] _lanesTaken = new bool[MaxGroupsAtOnce];
    private readonly ThreadLocal<int?> _lane = new();

    /// <summary>
    /// Which of the <see cref="MaxGroupsAtOnce"/> groups running at once the current thread's transaction is (null outside
    /// a grouped write): the runs service adds to its aggregate rows by it, so that groups running at once never wait
    /// for each other's rows.
    /// </summary>
    public int? CurrentLane => _lane.Value;

    /// <summary>Runs everything waiting, then hands the place on to a caller that came meanwhile (or gives it back).</summary>
    private void Lead(PendingWrite leader)
    {
        List<PendingWrite> group;
        int lane;
        lock (_queueLock)
        {
            leader.Leads = false;
            group = _queue;
            _queue = [];
            lane = Array.IndexOf(_lanesTaken, false);
            _lanesTaken[lane] = true;
        }
        try
        {
            _lane.Value = lane;
            Commit(group);
        }
        finally
        {
            _lane.Value = null;
            lock (_queueLock)
            {
                _lanesTaken[lane] = false;
                // Not to a caller given a place already and not yet leading: each place given must be one Lead.
                if (_queue.Find(waiting => !waiting.Leads) is { } next)
                {
                    next.Leads = true;
                    next.Wake();
                }
                else
                {
                    _leaders--;
                }
            }
            foreach (var done in group)
            {
                done.Wake();
            }
        }
    }

    private void Commit(List<PendingWrite> group)
    {
        if (group.Count > 1 && TryTogether(group))
        {
            return;
        }
        foreach (var pending in group)
        {
            try
            {
                WithRetries(() => WriteOnce(writer => RunQueued(pending, writer)));
                pending.Complete(null);
            }
            catch (Exception ex)
            {
                pending.Complete(ex);
            }
        }
    }

    /// <summary>
    /// The group in one transaction. If any of its work fails, or the database refuses the transaction, nothing of it is
    /// stored and each write is run again alone (false): a failing write takes only itself down, as it would have alone,
    /// without a savepoint per write for what is rare.
    /// </summary>
    private bool TryTogether(List<PendingWrite> group)
    {
        try
        {
            WriteOnce(writer =>
            {
                foreach (var pending in group)
                {
                    RunQueued(pending, writer);
                }
                return 0;
            });
        }
        catch (Exception)
        {
            return false;
        }
        foreach (var pending in group)
        {
            pending.Complete(null);
        }
        return true;
    }

    private int RunQueued(PendingWrite pending, PostgreSqlStreamWriter writer)
    {
        pending.Run(writer);
        _commitQueues.KeepAll();
        return 0;
    }

    private static T WithRetries<T>(Func<T> write)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return write();
            }
            catch (PostgresException ex) when (attempt < MaxAttempts && IsRetryable(ex))
            {
                // Nothing of the attempt was kept (its transaction rolled back): do it again on what is stored now.
            }
        }
    }

    /// <summary>
    /// Writers that lock the same rows in different orders may deadlock (PostgreSQL then aborts one), and two instances
    /// creating the same stream at once meet on its unique path: either way the loser runs its work again.
    /// </summary>
    private static bool IsRetryable(PostgresException ex) =>
        ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.SerializationFailure;

    private const int MaxAttempts = 5;

    // The commit queues keep each thread's items apart: a write alone, running beside the groups, flushes only its own.
    private T WriteOnce<T>(Func<PostgreSqlStreamWriter, T> work)
    {
        using var connection = _dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        var writer = new PostgreSqlStreamWriter(connection, transaction, _time.GetUtcNow());
        _current.Value = writer;
        try
        {
            var result = work(writer);
            _commitQueues.FlushAll(transaction);
            // Npgsql sees the COMMIT the batch ended with: the transaction object is completed, and disposing it does nothing.
            if (!writer.FlushAndCommit())
            {
                transaction.Commit();
            }
            return result;
        }
        finally
        {
            _current.Value = null;
            // Kept or not, an attempt's items are done with: a retry adds its own again.
            _commitQueues.ClearAll();
        }
    }

    public StreamRecord? Find(string path)
    {
        using var connection = _dataSource.OpenConnection();
        return PostgreSqlStreamWriter.FindStream(connection, null, "path = $1", path);
    }

    public StreamRecord? FindById(long id)
    {
        using var connection = _dataSource.OpenConnection();
        return PostgreSqlStreamWriter.FindStream(connection, null, "id = $1", id);
    }

    public (StreamRecord? Stream, IReadOnlyList<StoredMessage>? Own) FindAndRead(string path, long from, long maxBytes, int maxMessages)
    {
        using var connection = _dataSource.OpenConnection();
        return PostgreSqlStreamWriter.FindAndRead(connection, path, from, maxBytes, maxMessages);
    }

    public ProducerState? ReadProducer(long streamId, string producerId)
    {
        using var connection = _dataSource.OpenConnection();
        return PostgreSqlStreamWriter.ReadProducer(connection, null, streamId, producerId);
    }

    public IReadOnlyList<StoredMessage> ReadOwn(long streamId, long from, long to, long maxBytes, int maxMessages)
    {
        using var connection = _dataSource.OpenConnection();
        return PostgreSqlStreamWriter.ReadMessages(connection, null, streamId, from, to, maxBytes, maxMessages);
    }

    public long StartOfLastAppends(long streamId, int appends)
    {
        using var connection = _dataSource.OpenConnection();
        using var command = new NpgsqlCommand("""
            SELECT coalesce(
                (SELECT pos FROM chunks WHERE stream_id = $1 ORDER BY pos DESC LIMIT 1 OFFSET $2),
                (SELECT min(pos) FROM chunks WHERE stream_id = $1),
                0)
            """, connection);
        command.Parameters.AddWithValue(streamId);
        command.Parameters.AddWithValue((long)Math.Max(0, appends - 1));
        return (long)command.ExecuteScalar()!;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _dataSource.Dispose();
            _current.Dispose();
            _lane.Dispose();
        }
    }
}
