using Dashboard.Streams.Core;
using Npgsql;
using NpgsqlTypes;

namespace Dashboard.Streams.Storage;

/// <summary>The operations of one <see cref="PostgreSqlStreamStore"/> write transaction. Tables as in SQLite's store.</summary>
/// <summary>
/// One write transaction's statements. Writes are queued and sent together, before the next read and before the commit:
/// a round trip fewer for each, and the rows they lock are held that much less long.
/// </summary>
internal sealed class PostgreSqlStreamWriter(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now) : IStreamWriter
{
    private NpgsqlBatch? _pending;

    private const string Columns =
        "id, path, content_type, ttl_seconds, expires_at, created_at, last_access_at, tail, closed, last_stream_seq, " +
        "soft_deleted, fork_count, fork_source_id, fork_source_path, fork_position, fork_sub_offset";

    // Every statement here takes positional parameters ($1, $2…, added in that order without names): Npgsql sends such
    // a statement as it is, where with named ones it parses the whole text at each execution to rewrite them (about
    // 3 % of an ingesting service's CPU on PostgreSQL, for these few statements run at every append).
    private const string Values = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15";

    /// <summary>The streams' tables, version by version (<see cref="PostgreSqlSchema"/>); only ever appended to.</summary>
    public static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE streams (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            path text NOT NULL UNIQUE,
            content_type text NOT NULL,
            ttl_seconds bigint,
            expires_at bigint,
            created_at bigint NOT NULL,
            last_access_at bigint NOT NULL,
            tail bigint NOT NULL,
            closed boolean NOT NULL,
            last_stream_seq text,
            soft_deleted boolean NOT NULL,
            fork_count integer NOT NULL,
            fork_source_id bigint,
            fork_source_path text,
            fork_position bigint NOT NULL,
            fork_sub_offset bigint
        );
        CREATE INDEX streams_expiry ON streams (soft_deleted, expires_at, ttl_seconds);
        -- One row per append: the messages' bytes back to back, and for JSON streams their lengths (int32 LE each).
        CREATE TABLE chunks (
            stream_id bigint NOT NULL,
            pos bigint NOT NULL,
            data bytea NOT NULL,
            lengths bytea,
            PRIMARY KEY (stream_id, pos)
        );
        CREATE TABLE producers (
            stream_id bigint NOT NULL,
            producer_id text NOT NULL,
            epoch bigint NOT NULL,
            last_seq bigint NOT NULL,
            PRIMARY KEY (stream_id, producer_id)
        );
        """,
    ];

    public DateTimeOffset Now { get; } = now;

    public NpgsqlTransaction Transaction => transaction;

    // A stream read in a write transaction is locked until the commit: writers of one stream take turns, writers of
    // different streams do not wait for each other (the row lock is what serialises a stream's offsets and producers).
    public StreamRecord? Find(string path) =>
        QueryAfterPending($"SELECT {Columns} FROM streams WHERE path = $1 FOR UPDATE", p => p.AddWithValue(path), ReadRecord);

    public StreamRecord? FindById(long id) =>
        QueryAfterPending($"SELECT {Columns} FROM streams WHERE id = $1 FOR UPDATE", p => p.AddWithValue(id), ReadRecord);

    private static StreamRecord? ReadRecord(NpgsqlDataReader reader) => reader.Read() ? StoreRows.ReadRecord(reader) : null;

    /// <summary>
    /// A read of the transaction, sent in one round trip after the writes queued so far (which it sees): under group
    /// commit the writes of one caller went in a round trip of their own before the next caller's first read.
    /// </summary>
    private T QueryAfterPending<T>(string sql, Action<NpgsqlParameterCollection> bind, Func<NpgsqlDataReader, T> read)
    {
        var batch = _pending ?? new NpgsqlBatch(connection, transaction);
        _pending = null;
        using (batch)
        {
            var command = new NpgsqlBatchCommand(sql);
            bind(command.Parameters);
            batch.BatchCommands.Add(command);
            using var reader = batch.ExecuteReader();
            return read(reader);
        }
    }

    public StreamRecord Insert(StreamRecord record)
    {
        Flush();
        using var command = Command($"INSERT INTO streams ({Columns[4..]}) VALUES ({Values}) RETURNING id");
        Bind(command.Parameters, record);
        return record with { Id = (long)command.ExecuteScalar()! };
    }

    public void Update(StreamRecord record)
    {
        var command = Queue($"UPDATE streams SET ({Columns[4..]}) = ({Values}) WHERE id = $16");
        Bind(command.Parameters, record);
        command.Parameters.AddWithValue(record.Id);
    }

    public void Remove(long streamId)
    {
        foreach (var table in (string[])["chunks", "producers"])
        {
            Queue($"DELETE FROM {table} WHERE stream_id = $1").Parameters.AddWithValue(streamId);
        }
        Queue("DELETE FROM streams WHERE id = $1").Parameters.AddWithValue(streamId);
    }

    public ProducerState? GetProducer(long streamId, string producerId) =>
        QueryAfterPending("SELECT epoch, last_seq FROM producers WHERE stream_id = $1 AND producer_id = $2", p =>
        {
            p.AddWithValue(streamId);
            p.AddWithValue(producerId);
        }, reader => reader.Read() ? new ProducerState(producerId, reader.GetInt64(0), reader.GetInt64(1)) : null);

    public void SetProducer(long streamId, ProducerState state)
    {
        var command = Queue("""
            INSERT INTO producers (stream_id, producer_id, epoch, last_seq) VALUES ($1, $2, $3, $4)
            ON CONFLICT (stream_id, producer_id) DO UPDATE SET epoch = excluded.epoch, last_seq = excluded.last_seq
            """);
        command.Parameters.AddWithValue(streamId);
        command.Parameters.AddWithValue(state.ProducerId);
        command.Parameters.AddWithValue(state.Epoch);
        command.Parameters.AddWithValue(state.LastSeq);
    }

    public void AddMessages(long streamId, IReadOnlyList<StoredMessage> messages)
    {
        // All messages of one append are one row: one insert however large the batch. A fork created with a
        // sub-offset prefix and a body stores two appends, so rows follow the batch boundaries.
        foreach (var (first, count) in StoreRows.Batches(messages))
        {
            var (data, lengths) = StoreRows.Pack(messages, first, count);
            var command = Queue("INSERT INTO chunks (stream_id, pos, data, lengths) VALUES ($1, $2, $3, $4)");
            command.Parameters.AddWithValue(streamId);
            command.Parameters.AddWithValue(messages[first].BatchPosition);
            command.Parameters.AddWithValue(NpgsqlDbType.Bytea, data);
            command.Parameters.AddWithValue(NpgsqlDbType.Bytea, (object?)lengths ?? DBNull.Value);
        }
    }

    // Kept until the commit, and then one statement per stream that moves the tail and stores the messages where the tail
    // was, sent last before the COMMIT: the stream's row (the runs' feed, which every ingesting transaction appends to) is
    // locked from then until the commit, not from a read early in the transaction, and a group of writes appends once. A
    // stream that is not there (or closed, or deleted) leaves the subqueries empty, and the NULL they give fails the
    // transaction.
    public bool TryAppendAtCommit(string path, ReadOnlyMemory<byte> message)
    {
        _atCommit ??= new Dictionary<string, List<ReadOnlyMemory<byte>>>(StringComparer.Ordinal);
        if (!_atCommit.TryGetValue(path, out var messages))
        {
            _atCommit[path] = messages = [];
        }
        messages.Add(message);
        return true;
    }

    private Dictionary<string, List<ReadOnlyMemory<byte>>>? _atCommit;

    private void QueueAppendsAtCommit()
    {
        if (_atCommit is null)
        {
            return;
        }
        foreach (var (path, messages) in _atCommit)
        {
            // Each message stays an append of its own (one row): readers of the feed count its entries by appends.
            var starts = new long[messages.Count];
            var data = new byte[messages.Count][];
            long length = 0;
            for (var i = 0; i < messages.Count; i++)
            {
                starts[i] = length;
                data[i] = messages[i].ToArray();
                length += data[i].Length;
            }
            var command = Queue("""
                WITH moved AS (
                    UPDATE streams SET tail = tail + $1, last_access_at = $2
                    WHERE path = $3 AND NOT closed AND NOT soft_deleted
                    RETURNING id, tail - $1 AS pos)
                INSERT INTO chunks (stream_id, pos, data, lengths)
                SELECT (SELECT id FROM moved), (SELECT pos FROM moved) + m.start, m.data, NULL FROM unnest($4, $5) AS m(start, data)
                """);
            command.Parameters.AddWithValue(length);
            command.Parameters.AddWithValue(Now.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue(path);
            command.Parameters.AddWithValue(NpgsqlDbType.Array | NpgsqlDbType.Bigint, starts);
            command.Parameters.AddWithValue(NpgsqlDbType.Array | NpgsqlDbType.Bytea, data);
        }
        _atCommit = null;
    }

    /// <summary>The writes queued to be sent before the next read or the commit, for rows of the caller's own to join.</summary>
    public NpgsqlBatch Pending => _pending ??= new NpgsqlBatch(connection, transaction);

    /// <summary>
    /// Sends the queued writes with the commit after them, in one round trip: the rows they lock (the feed's, shared by
    /// every ingesting transaction) are held until the server has committed, not until the client asks it to. False
    /// when nothing is queued (the caller commits as usual). If a write fails, the commit after it is not run.
    /// </summary>
    public bool FlushAndCommit()
    {
        QueueAppendsAtCommit();
        if (_pending is null)
        {
            return false;
        }
        Pending.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        Flush();
        return true;
    }

    /// <summary>Sends the queued writes; called before each read of the transaction and before its commit.</summary>
    public void Flush()
    {
        if (_pending is not { } batch)
        {
            return;
        }
        _pending = null;
        using (batch)
        {
            batch.ExecuteNonQuery();
        }
    }

    public IReadOnlyList<StoredMessage> BatchAt(long streamId, long batchPosition)
    {
        Flush();
        using var command = Command("SELECT pos, data, lengths FROM chunks WHERE stream_id = $1 AND pos = $2");
        command.Parameters.AddWithValue(streamId);
        command.Parameters.AddWithValue(batchPosition);
        return ReadAll(command, long.MaxValue, int.MaxValue);
    }

    public IReadOnlyList<StreamRecord> Expired(DateTimeOffset now)
    {
        Flush();
        using var command = Command($"""
            SELECT {Columns} FROM streams WHERE NOT soft_deleted
              AND ((expires_at IS NOT NULL AND expires_at <= $1) OR (ttl_seconds IS NOT NULL AND last_access_at + ttl_seconds * 1000 <= $1))
            """);
        command.Parameters.AddWithValue(now.ToUnixTimeMilliseconds());
        using var reader = command.ExecuteReader();
        var expired = new List<StreamRecord>();
        while (reader.Read())
        {
            expired.Add(StoreRows.ReadRecord(reader));
        }
        return expired;
    }

    private NpgsqlCommand Command(string sql) => new(sql, connection, transaction);

    private NpgsqlBatchCommand Queue(string sql)
    {
        var command = new NpgsqlBatchCommand(sql);
        Pending.BatchCommands.Add(command);
        return command;
    }

    internal static StreamRecord? FindStream(NpgsqlConnection connection, NpgsqlTransaction? transaction, string where, object key)
    {
        using var command = new NpgsqlCommand($"SELECT {Columns} FROM streams WHERE {where}", connection, transaction);
        command.Parameters.AddWithValue(key);
        using var reader = command.ExecuteReader();
        return reader.Read() ? StoreRows.ReadRecord(reader) : null;
    }

    /// <summary>
    /// The stream's row and its own chunks from the one holding <c>$1</c> (from) to its tail, in one statement (one snapshot):
    /// one row per chunk, each with the stream's columns first; one row with null chunk columns when there are none to
    /// read (at or past the tail, or before a fork's own data, which the engine reads from the fork's source first).
    /// </summary>
    private const string FindAndReadSql = $"""
        SELECT {Columns}, c.pos, c.data, c.lengths
        FROM streams s
        LEFT JOIN LATERAL (
            SELECT pos, data, lengths FROM chunks
            WHERE stream_id = s.id
              AND $1 < s.tail
              AND (s.fork_source_id IS NULL OR $1 >= s.fork_position)
              AND pos >= coalesce((SELECT max(pos) FROM chunks WHERE stream_id = s.id AND pos <= $1), 0)
              AND pos < s.tail
            ORDER BY pos LIMIT $2) c ON true
        WHERE s.path = $3
        """;

    /// <summary>The number of the stream's columns in <see cref="FindAndReadSql"/>: its chunk's columns follow.</summary>
    private const int ColumnCount = 16;

    internal static (StreamRecord? Stream, IReadOnlyList<StoredMessage>? Own) FindAndRead(NpgsqlConnection connection, string path, long from, long maxBytes, int maxMessages)
    {
        using var command = new NpgsqlCommand(FindAndReadSql, connection);
        command.Parameters.AddWithValue(from);
        command.Parameters.AddWithValue((long)maxMessages);
        command.Parameters.AddWithValue(path);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return (null, null);
        }
        var stream = StoreRows.ReadRecord(reader);
        if (reader.IsDBNull(ColumnCount))
        {
            return (stream, null);
        }
        return (stream, StoreRows.Read(reader, ColumnCount, onRow: true, maxBytes, maxMessages, from));
    }

    internal static ProducerState? ReadProducer(NpgsqlConnection connection, NpgsqlTransaction? transaction, long streamId, string producerId)
    {
        using var command = new NpgsqlCommand("SELECT epoch, last_seq FROM producers WHERE stream_id = $1 AND producer_id = $2", connection, transaction);
        command.Parameters.AddWithValue(streamId);
        command.Parameters.AddWithValue(producerId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new ProducerState(producerId, reader.GetInt64(0), reader.GetInt64(1)) : null;
    }

    internal static IReadOnlyList<StoredMessage> ReadMessages(NpgsqlConnection connection, NpgsqlTransaction? transaction, long streamId, long from, long to, long maxBytes, int maxMessages)
    {
        // Start at the chunk that contains `from` (a resumed offset may fall inside one).
        using var command = new NpgsqlCommand("""
            SELECT pos, data, lengths FROM chunks
            WHERE stream_id = $1
              AND pos >= coalesce((SELECT max(pos) FROM chunks WHERE stream_id = $1 AND pos <= $2), 0)
              AND pos < $3
            ORDER BY pos LIMIT $4
            """, connection, transaction);
        command.Parameters.AddWithValue(streamId);
        command.Parameters.AddWithValue(from);
        command.Parameters.AddWithValue(to);
        command.Parameters.AddWithValue((long)maxMessages);
        return ReadAll(command, maxBytes, maxMessages, from);
    }

    private static List<StoredMessage> ReadAll(NpgsqlCommand command, long maxBytes, int maxMessages, long from = long.MinValue)
    {
        using var reader = command.ExecuteReader();
        return StoreRows.Read(reader, maxBytes, maxMessages, from);
    }

    private static void Bind(NpgsqlParameterCollection p, StreamRecord r)
    {
        p.AddWithValue(r.Path);
        p.AddWithValue(r.ContentType);
        p.AddWithValue(NpgsqlDbType.Bigint, (object?)r.TtlSeconds ?? DBNull.Value);
        p.AddWithValue(NpgsqlDbType.Bigint, (object?)r.ExpiresAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
        p.AddWithValue(r.CreatedAt.ToUnixTimeMilliseconds());
        p.AddWithValue(r.LastAccessAt.ToUnixTimeMilliseconds());
        p.AddWithValue(r.Tail);
        p.AddWithValue(r.Closed);
        p.AddWithValue(NpgsqlDbType.Text, (object?)r.LastStreamSeq ?? DBNull.Value);
        p.AddWithValue(r.SoftDeleted);
        p.AddWithValue(r.ForkCount);
        p.AddWithValue(NpgsqlDbType.Bigint, (object?)r.ForkSourceId ?? DBNull.Value);
        p.AddWithValue(NpgsqlDbType.Text, (object?)r.ForkSourcePath ?? DBNull.Value);
        p.AddWithValue(r.ForkPosition);
        p.AddWithValue(NpgsqlDbType.Bigint, (object?)r.ForkSubOffset ?? DBNull.Value);
    }
}
