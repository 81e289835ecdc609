using Dashboard.Streams.Core;
using Microsoft.Data.Sqlite;

namespace Dashboard.Streams.Storage;

/// <summary>The write side of <see cref="SqliteStreamStore"/>: prepared commands on the one write connection.</summary>
public sealed class SqliteStreamWriter(SqliteConnection connection, TimeProvider time) : IStreamWriter, IDisposable
{
    private const string Columns =
        "id, path, content_type, ttl_seconds, expires_at, created_at, last_access_at, tail, closed, last_stream_seq, " +
        "soft_deleted, fork_count, fork_source_id, fork_source_path, fork_position, fork_sub_offset";

    private const string SelectRecord = $"SELECT {Columns} FROM streams WHERE ";

    /// <summary>A stream's messages from the chunk that contains <c>$from</c> (a resumed offset may fall inside one) up to <c>$to</c>.</summary>
    internal const string SelectMessages = """
        SELECT pos, data, lengths FROM chunks
        WHERE stream_id = $stream
          AND pos >= IFNULL((SELECT MAX(pos) FROM chunks WHERE stream_id = $stream AND pos <= $from), 0)
          AND pos < $to
        ORDER BY pos LIMIT $limit
        """;

    internal const string SelectProducer = "SELECT epoch, last_seq FROM producers WHERE stream_id = $stream AND producer_id = $producer";

    internal const string FindByPath = SelectRecord + "path = $key";
    internal const string FindByIdSql = SelectRecord + "id = $key";

    private readonly PreparedCommands _commands = new(connection);
    private SqliteTransaction? _transaction;
    private readonly AppendsAtCommit _atCommit = new();

    public DateTimeOffset Now { get; private set; }

    /// <summary>The write transaction in progress.</summary>
    internal SqliteTransaction Transaction => _transaction ?? throw new InvalidOperationException("No write transaction is in progress.");

    public SqliteConnection Connection => connection;

    internal void Begin(SqliteTransaction transaction)
    {
        _transaction = transaction;
        Now = time.GetUtcNow();
    }

    internal void End()
    {
        _transaction = null;
        _atCommit.Clear();
    }

    /// <summary>
    /// Placed at the commit, like PostgreSQL's: every ingesting write of a group commit appends to the runs feed, which
    /// would otherwise be looked up and updated once per write, inside the one writer's turn (about a quarter of its time
    /// per one-event request in a profile). A message counts only if its write does (<see cref="KeepAtCommit"/>).
    /// </summary>
    public bool TryAppendAtCommit(string path, ReadOnlyMemory<byte> message)
    {
        _atCommit.Add(path, message);
        return true;
    }

    /// <summary>The messages the write that just succeeded added count.</summary>
    internal void KeepAtCommit() => _atCommit.Keep();

    /// <summary>
    /// Appends the kept messages at their streams' tails, each its own append (one row: readers of the feed count its
    /// entries by appends), before the commit. A stream that is not there, closed or deleted fails the transaction whole.
    /// </summary>
    internal void AppendAtCommit()
    {
        foreach (var (path, messages) in _atCommit.KeptByPath())
        {
            var length = messages.Sum(m => (long)m.Length);
            var moved = Command("UPDATE streams SET tail = tail + $length, last_access_at = $now WHERE path = $path AND closed = 0 AND soft_deleted = 0 RETURNING id, tail - $length");
            moved.Parameters["$length"].Value = length;
            moved.Parameters["$now"].Value = Now.ToUnixTimeMilliseconds();
            moved.Parameters["$path"].Value = path;
            long streamId, position;
            using (var reader = moved.ExecuteReader())
            {
                if (!reader.Read())
                {
                    throw new InvalidOperationException($"The append at commit to {path} was refused: the stream is not there, closed or deleted.");
                }
                (streamId, position) = (reader.GetInt64(0), reader.GetInt64(1));
            }
            var placed = new List<StoredMessage>(messages.Count);
            foreach (var message in messages)
            {
                placed.Add(new StoredMessage(position, position, message));
                position += message.Length;
            }
            AddMessages(streamId, placed);
        }
        _atCommit.Clear();
    }

    public StreamRecord? Find(string path) => FindRecord(Command(FindByPath), path);

    public StreamRecord? FindById(long id) => FindRecord(Command(FindByIdSql), id);

    internal static StreamRecord? FindRecord(SqliteCommand command, object key)
    {
        command.Parameters["$key"].Value = key;
        using var reader = command.ExecuteReader();
        return reader.Read() ? StoreRows.ReadRecord(reader) : null;
    }

    public StreamRecord Insert(StreamRecord record)
    {
        var command = Command($"INSERT INTO streams ({Columns[4..]}) VALUES ($path, $content_type, $ttl_seconds, $expires_at, $created_at, $last_access_at, $tail, $closed, $last_stream_seq, $soft_deleted, $fork_count, $fork_source_id, $fork_source_path, $fork_position, $fork_sub_offset) RETURNING id");
        Bind(command, record);
        var id = (long)command.ExecuteScalar()!;
        return record with { Id = id };
    }

    public void Update(StreamRecord record)
    {
        var command = Command("UPDATE streams SET path = $path, content_type = $content_type, ttl_seconds = $ttl_seconds, expires_at = $expires_at, created_at = $created_at, last_access_at = $last_access_at, tail = $tail, closed = $closed, last_stream_seq = $last_stream_seq, soft_deleted = $soft_deleted, fork_count = $fork_count, fork_source_id = $fork_source_id, fork_source_path = $fork_source_path, fork_position = $fork_position, fork_sub_offset = $fork_sub_offset WHERE id = $id");
        Bind(command, record);
        command.Parameters["$id"].Value = record.Id;
        command.ExecuteNonQuery();
    }

    // Not the path or the expiry columns: SQLite rewrites the entries of every index over a column that an UPDATE sets,
    // even to the value it had, and an append (one per ingested batch) changes none of them.
    public void UpdateAfterAppend(StreamRecord record)
    {
        var command = Command("UPDATE streams SET tail = $tail, closed = $closed, last_stream_seq = $last_stream_seq, last_access_at = $last_access_at WHERE id = $id");
        command.Parameters["$tail"].Value = record.Tail;
        command.Parameters["$closed"].Value = record.Closed ? 1 : 0;
        command.Parameters["$last_stream_seq"].Value = (object?)record.LastStreamSeq ?? DBNull.Value;
        command.Parameters["$last_access_at"].Value = record.LastAccessAt.ToUnixTimeMilliseconds();
        command.Parameters["$id"].Value = record.Id;
        command.ExecuteNonQuery();
    }

    public void Remove(long streamId)
    {
        foreach (var sql in (ReadOnlySpan<string>)["DELETE FROM chunks WHERE stream_id = $id", "DELETE FROM producers WHERE stream_id = $id", "DELETE FROM streams WHERE id = $id"])
        {
            var command = Command(sql);
            command.Parameters["$id"].Value = streamId;
            command.ExecuteNonQuery();
        }
    }

    public ProducerState? GetProducer(long streamId, string producerId)
    {
        return ReadProducer(Command(SelectProducer), streamId, producerId);
    }

    internal static ProducerState? ReadProducer(SqliteCommand command, long streamId, string producerId)
    {
        command.Parameters["$stream"].Value = streamId;
        command.Parameters["$producer"].Value = producerId;
        using var reader = command.ExecuteReader();
        return reader.Read() ? new ProducerState(producerId, reader.GetInt64(0), reader.GetInt64(1)) : null;
    }

    public void SetProducer(long streamId, ProducerState state)
    {
        var command = Command("INSERT INTO producers (stream_id, producer_id, epoch, last_seq) VALUES ($stream, $producer, $epoch, $seq) ON CONFLICT (stream_id, producer_id) DO UPDATE SET epoch = excluded.epoch, last_seq = excluded.last_seq");
        command.Parameters["$stream"].Value = streamId;
        command.Parameters["$producer"].Value = state.ProducerId;
        command.Parameters["$epoch"].Value = state.Epoch;
        command.Parameters["$seq"].Value = state.LastSeq;
        command.ExecuteNonQuery();
    }

    public void AddMessages(long streamId, IReadOnlyList<StoredMessage> messages)
    {
        // All messages of one append are one row: one insert however large the batch. A fork created with a
        // sub-offset prefix and a body stores two appends, so rows follow the batch boundaries.
        foreach (var (first, count) in StoreRows.Batches(messages))
        {
            var (data, lengths) = StoreRows.Pack(messages, first, count);
            var command = Command("INSERT INTO chunks (stream_id, pos, data, lengths) VALUES ($stream, $pos, $data, $lengths)");
            command.Parameters["$stream"].Value = streamId;
            command.Parameters["$pos"].Value = messages[first].BatchPosition;
            command.Parameters["$data"].Value = data;
            command.Parameters["$lengths"].Value = (object?)lengths ?? DBNull.Value;
            command.ExecuteNonQuery();
        }
    }

    public IReadOnlyList<StoredMessage> BatchAt(long streamId, long batchPosition)
    {
        var command = Command("SELECT pos, data, lengths FROM chunks WHERE stream_id = $stream AND pos = $batch");
        command.Parameters["$stream"].Value = streamId;
        command.Parameters["$batch"].Value = batchPosition;
        return ReadAll(command, long.MaxValue, int.MaxValue);
    }

    public IReadOnlyList<StreamRecord> Expired(DateTimeOffset now)
    {
        var command = Command($"SELECT {Columns} FROM streams WHERE soft_deleted = 0 AND ((expires_at IS NOT NULL AND expires_at <= $now) OR (ttl_seconds IS NOT NULL AND last_access_at + ttl_seconds * 1000 <= $now))");
        command.Parameters["$now"].Value = now.ToUnixTimeMilliseconds();
        using var reader = command.ExecuteReader();
        var expired = new List<StreamRecord>();
        while (reader.Read())
        {
            expired.Add(StoreRows.ReadRecord(reader));
        }
        return expired;
    }

    public void Dispose() => _commands.Dispose();

    internal static IReadOnlyList<StoredMessage> ReadMessages(SqliteCommand command, long streamId, long from, long to, long maxBytes, int maxMessages)
    {
        command.Parameters["$stream"].Value = streamId;
        command.Parameters["$from"].Value = from;
        command.Parameters["$to"].Value = to;
        command.Parameters["$limit"].Value = maxMessages;
        return ReadAll(command, maxBytes, maxMessages, from);
    }

    private static List<StoredMessage> ReadAll(SqliteCommand command, long maxBytes, int maxMessages, long from = long.MinValue)
    {
        using var reader = command.ExecuteReader();
        return StoreRows.Read(reader, maxBytes, maxMessages, from);
    }

    private static void Bind(SqliteCommand command, StreamRecord r)
    {
        command.Parameters["$path"].Value = r.Path;
        command.Parameters["$content_type"].Value = r.ContentType;
        command.Parameters["$ttl_seconds"].Value = (object?)r.TtlSeconds ?? DBNull.Value;
        command.Parameters["$expires_at"].Value = (object?)r.ExpiresAt?.ToUnixTimeMilliseconds() ?? DBNull.Value;
        command.Parameters["$created_at"].Value = r.CreatedAt.ToUnixTimeMilliseconds();
        command.Parameters["$last_access_at"].Value = r.LastAccessAt.ToUnixTimeMilliseconds();
        command.Parameters["$tail"].Value = r.Tail;
        command.Parameters["$closed"].Value = r.Closed ? 1 : 0;
        command.Parameters["$last_stream_seq"].Value = (object?)r.LastStreamSeq ?? DBNull.Value;
        command.Parameters["$soft_deleted"].Value = r.SoftDeleted ? 1 : 0;
        command.Parameters["$fork_count"].Value = r.ForkCount;
        command.Parameters["$fork_source_id"].Value = (object?)r.ForkSourceId ?? DBNull.Value;
        command.Parameters["$fork_source_path"].Value = (object?)r.ForkSourcePath ?? DBNull.Value;
        command.Parameters["$fork_position"].Value = r.ForkPosition;
        command.Parameters["$fork_sub_offset"].Value = (object?)r.ForkSubOffset ?? DBNull.Value;
    }

    /// <summary>A prepared command per statement, on the write connection, in the transaction in progress.</summary>
    private SqliteCommand Command(string sql) => _commands.Get(sql, _transaction);
}
