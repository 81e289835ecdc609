using Dashboard.Streams.Core;
using Microsoft.Data.Sqlite;

namespace Dashboard.Streams.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. Writes go through one connection, one transaction at a time
/// (SQLite has one writer anyway), with group commit: callers that arrive while a transaction runs are served together
/// by the next one, in one transaction (see <see cref="Commit"/> for a write that fails), so a burst of appends pays for
/// one commit instead of one each. Reads use
/// pooled connections and never wait for writes.
/// </summary>
public sealed class SqliteStreamStore : IStreamStore
{
    private readonly string _connectionString;
    private int _disposed;
    private readonly SqliteConnection _writeConnection;
    private readonly SqliteStreamWriter _writer;
    private readonly Lock _writeLock = new();
    private readonly Lock _queueLock = new();
    private List<PendingWrite> _queue = [];
    private bool _leaderActive;
    private readonly TimeProvider _time;
    private readonly WalCheckpointer _checkpointer;
    private readonly CommitQueues _commitQueues = new();
    private readonly SqliteStreamReaders _readers;

    public SqliteStreamStore(string databasePath, TimeProvider? time = null, bool synchronousFull = false)
    {
        _time = time ?? TimeProvider.System;
        var directory = Path.GetDirectoryName(Path.GetFullPath(databasePath));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        _writeConnection = new SqliteConnection(_connectionString);
        _writeConnection.Open();
        // WAL lets readers proceed during writes. NORMAL sync keeps every committed transaction across a process
        // crash (the log is written before the commit returns); FULL adds an fsync per commit for power loss.
        // Checkpoints run on a background thread (WalCheckpointer); the writer's own automatic checkpoint stays as a
        // backstop at 16,000 pages (64 MB) in case that thread falls behind; a log that grew beyond 64 MB is cut back
        // to that size when it restarts. The writer's page cache is 16 MB, not more: a b-tree page split parks a page at
        // the locking page's number (1 GB in), and the commit after it walks the whole cache to drop pages past the end of
        // the file; at 64 MB that walk was ~0.5 ms of every commit on the one writer (a profile of ingestion).
        Execute(_writeConnection, $"PRAGMA journal_mode=WAL; PRAGMA synchronous={(synchronousFull ? "FULL" : "NORMAL")}; PRAGMA busy_timeout=30000; PRAGMA cache_size=-16384; PRAGMA wal_autocheckpoint=16000; PRAGMA journal_size_limit=67108864; PRAGMA temp_store=MEMORY;");
        Execute(_writeConnection, Schema);
        _writer = new SqliteStreamWriter(_writeConnection, _time);
        _readers = new SqliteStreamReaders(_connectionString);
        _checkpointer = new WalCheckpointer(_connectionString, TimeSpan.FromMilliseconds(200));
    }

    public string DatabasePath => new SqliteConnectionStringBuilder(_connectionString).DataSource;

    /// <summary>How the store opens its file (pooled, private cache, its timeout), for files kept beside it the same way.</summary>
    public string ConnectionString => _connectionString;

    /// <summary>Opens a pooled connection on the same database, for callers that read their own tables beside the streams.</summary>
    public SqliteConnection OpenReadConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>
    /// The write transaction in progress, for work inside <see cref="Write{T}"/> that keeps rows of its own beside the
    /// streams (the runs service's projections): they commit, or roll back, with the append. Only on the writing thread.
    /// </summary>
    public SqliteTransaction Transaction => _writeLock.IsHeldByCurrentThread
        ? _writer.Transaction
        : throw new InvalidOperationException("The store's transaction is only reachable from work running inside Write.");

    /// <summary>
    /// A queue whose items, added by writes, are handed to <paramref name="flush"/> together at the end of each
    /// transaction (<see cref="CommitQueue{T}"/>). Made at start-up, before the first write.
    /// </summary>
    public CommitQueue<T> AddCommitQueue<T>(Action<System.Data.Common.DbTransaction, IReadOnlyList<T>> flush) =>
        _commitQueues.Add(flush);

    /// <summary>How many writes wait for the next transaction (for tests that need a group commit of several).</summary>
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

    public T Write<T>(Func<IStreamWriter, T> work)
    {
        if (_writeLock.IsHeldByCurrentThread)
        {
            // Work that writes again from inside a transaction joins that transaction, as it did under a plain lock.
            return work(_writer);
        }
        var pending = Enqueue(work, awaits: false);
        try
        {
            if (!pending.Leads)
            {
                // Woken either with the work done by another caller's transaction, or to lead the next one.
                pending.Wait();
            }
            return Finish(pending);
        }
        finally
        {
            pending.Dispose();
        }
    }

    /// <summary>
    /// <see cref="Write{T}"/> for callers that can await their turn: a caller whose work another caller's transaction
    /// does gives its thread back meanwhile. Under many small appends at once (one event per request from hundreds of
    /// engines) every waiting request held a blocked thread, and the thread pool grew to hundreds of them, woken one by
    /// one at each commit. A caller that leads runs the transaction on its own thread, as <see cref="Write{T}"/> does.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<IStreamWriter, T> work)
    {
        if (_writeLock.IsHeldByCurrentThread)
        {
            return work(_writer);
        }
        var pending = Enqueue(work, awaits: true);
        if (!pending.Leads)
        {
            await pending.WaitAsync().ConfigureAwait(false);
        }
        return Finish(pending);
    }

    private PendingWrite<T> Enqueue<T>(Func<IStreamWriter, T> work, bool awaits)
    {
        var pending = new PendingWrite<T>(work, awaits);
        lock (_queueLock)
        {
            _queue.Add(pending);
            if (!_leaderActive)
            {
                _leaderActive = true;
                pending.Leads = true;
            }
        }
        return pending;
    }

    /// <summary>After the caller's wait (or none, for the first to come): leads if its work is not done yet, then its result.</summary>
    private T Finish<T>(PendingWrite<T> pending)
    {
        if (!pending.Completed)
        {
            Lead();
        }
        if (pending.Error is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
        return pending.Result!;
    }

    /// <summary>Runs everything waiting in one transaction, then hands the lead to the first caller that came meanwhile.</summary>
    private void Lead()
    {
        List<PendingWrite> batch;
        lock (_queueLock)
        {
            batch = _queue;
            _queue = [];
        }
        try
        {
            lock (_writeLock)
            {
                Commit(batch);
            }
        }
        finally
        {
            lock (_queueLock)
            {
                if (_queue.Count > 0)
                {
                    _queue[0].Leads = true;
                    _queue[0].Wake();
                }
                else
                {
                    _leaderActive = false;
                }
            }
            foreach (var done in batch)
            {
                done.Wake();
            }
        }
    }

    /// <summary>
    /// The group in one transaction; if any of its work fails, or the commit does, nothing of it is stored and each write
    /// runs again alone, so that a failing write takes only itself down, as on PostgreSQL. A savepoint around each write did
    /// the same at about 10 µs of the one writer's time per write (about 5 % of its turn under one-event POSTs), for
    /// failures that are rare: the writes' own checks answer with results, not exceptions.
    /// </summary>
    private void Commit(List<PendingWrite> batch)
    {
        if (batch.Count > 1 && TryTogether(batch))
        {
            return;
        }
        foreach (var pending in batch)
        {
            CommitAlone(pending);
        }
    }

    private bool TryTogether(List<PendingWrite> batch)
    {
        try
        {
            InTransaction(() =>
            {
                foreach (var pending in batch)
                {
                    pending.Run(_writer);
                    KeepAll();
                }
            });
        }
        catch (Exception)
        {
            return false;
        }
        foreach (var pending in batch)
        {
            pending.Complete(null);
        }
        return true;
    }

    private void CommitAlone(PendingWrite pending)
    {
        Exception? error = null;
        try
        {
            InTransaction(() =>
            {
                pending.Run(_writer);
                KeepAll();
            });
        }
        catch (Exception ex)
        {
            // Nothing of this transaction is stored: its caller fails with its work's error, or the commit's.
            error = ex;
        }
        pending.Complete(error);
    }

    private void InTransaction(Action work)
    {
        using var transaction = _writeConnection.BeginTransaction(deferred: false);
        _writer.Begin(transaction);
        try
        {
            work();
            _writer.AppendAtCommit();
            _commitQueues.FlushAll(transaction);
            transaction.Commit();
            _checkpointer.Wrote();
        }
        finally
        {
            _writer.End();
            _commitQueues.ClearAll();
        }
    }

    /// <summary>What the write that just succeeded handed to the commit counts.</summary>
    private void KeepAll()
    {
        _commitQueues.KeepAll();
        _writer.KeepAtCommit();
    }

    public StreamRecord? Find(string path) => _readers.Find(path);

    public StreamRecord? FindById(long id) => _readers.FindById(id);

    public ProducerState? ReadProducer(long streamId, string producerId) => _readers.ReadProducer(streamId, producerId);

    public IReadOnlyList<StoredMessage> ReadOwn(long streamId, long from, long to, long maxBytes, int maxMessages) =>
        _readers.ReadOwn(streamId, from, to, maxBytes, maxMessages);

    public long StartOfLastAppends(long streamId, int appends) => _readers.StartOfLastAppends(streamId, appends);

    /// <summary>
    /// Closes the store; later calls do nothing (a container that knows the store under two types disposes it twice).
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _checkpointer.Dispose();
        _readers.Dispose();
        lock (_writeLock)
        {
            _writer.Dispose();
            _writeConnection.Dispose();
        }
    }

    private static void Execute(SqliteConnection connection, string sql, object? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = (SqliteTransaction?)transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS streams (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL,
            content_type TEXT NOT NULL,
            ttl_seconds INTEGER,
            expires_at INTEGER,
            created_at INTEGER NOT NULL,
            last_access_at INTEGER NOT NULL,
            tail INTEGER NOT NULL,
            closed INTEGER NOT NULL,
            last_stream_seq TEXT,
            soft_deleted INTEGER NOT NULL,
            fork_count INTEGER NOT NULL,
            fork_source_id INTEGER,
            fork_source_path TEXT,
            fork_position INTEGER NOT NULL,
            fork_sub_offset INTEGER
        );
        CREATE UNIQUE INDEX IF NOT EXISTS streams_path ON streams(path);
        CREATE INDEX IF NOT EXISTS streams_expiry ON streams(soft_deleted, expires_at, ttl_seconds);
        -- One row per append: the messages' bytes back to back, and for JSON streams their lengths (int32 LE each).
        CREATE TABLE IF NOT EXISTS chunks (
            stream_id INTEGER NOT NULL,
            pos INTEGER NOT NULL,
            data BLOB NOT NULL,
            lengths BLOB,
            PRIMARY KEY (stream_id, pos)
        );
        CREATE TABLE IF NOT EXISTS producers (
            stream_id INTEGER NOT NULL,
            producer_id TEXT NOT NULL,
            epoch INTEGER NOT NULL,
            last_seq INTEGER NOT NULL,
            PRIMARY KEY (stream_id, producer_id)
        ) WITHOUT ROWID;
        """;
}
