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

    public T Write<T>(Func<IStreamWriter, T> work)
    {
        if (_current.Value is { } open)
        {
            // Work that writes again from inside a transaction joins that transaction.
            return work(open);
        }
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return WriteOnce(work);
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

    private T WriteOnce<T>(Func<IStreamWriter, T> work)
    {
        using var connection = _dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        var writer = new PostgreSqlStreamWriter(connection, transaction, _time.GetUtcNow());
        _current.Value = writer;
        try
        {
            var result = work(writer);
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
        }
    }

    public StreamRecord? Find(string path)
    {
        using var connection = _dataSource.OpenConnection();
        return PostgreSqlStreamWriter.FindStream(connection, null, "path = @key", path);
    }

    public StreamRecord? FindById(long id)
    {
        using var connection = _dataSource.OpenConnection();
        return PostgreSqlStreamWriter.FindStream(connection, null, "id = @key", id);
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
                (SELECT pos FROM chunks WHERE stream_id = @stream ORDER BY pos DESC LIMIT 1 OFFSET @skip),
                (SELECT min(pos) FROM chunks WHERE stream_id = @stream),
                0)
            """, connection);
        command.Parameters.AddWithValue("stream", streamId);
        command.Parameters.AddWithValue("skip", (long)Math.Max(0, appends - 1));
        return (long)command.ExecuteScalar()!;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _dataSource.Dispose();
            _current.Dispose();
        }
    }
}
