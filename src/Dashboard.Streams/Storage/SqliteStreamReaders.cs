using Dashboard.Streams.Core;
using Microsoft.Data.Sqlite;

namespace Dashboard.Streams.Storage;

/// <summary>
/// The read side of <see cref="SqliteStreamStore"/>: open read connections, each with its statements prepared once,
/// lent to one read at a time. Every long-poll, live follower and catch-up page finds its stream and reads its messages;
/// with a connection and commands made per read, each of those compiled its SQL again. Reads never wait on each
/// other: when every kept reader is lent, another is opened, and at most <see cref="MaxIdle"/> are kept afterwards.
/// A statement is reset when its read ends (the data reader is disposed), so an idle reader holds no snapshot that
/// would keep the log from being checkpointed.
/// </summary>
internal sealed class SqliteStreamReaders(string connectionString) : IDisposable
{
    private const int MaxIdle = 16;

    private readonly Lock _lock = new();
    private readonly Stack<Reader> _idle = new();
    private bool _disposed;

    public StreamRecord? Find(string path) =>
        Read(path, static (reader, path) => SqliteStreamWriter.FindRecord(reader.Command(SqliteStreamWriter.FindByPath), path));

    public StreamRecord? FindById(long id) =>
        Read(id, static (reader, id) => SqliteStreamWriter.FindRecord(reader.Command(SqliteStreamWriter.FindByIdSql), id));

    public ProducerState? ReadProducer(long streamId, string producerId) =>
        Read((streamId, producerId), static (reader, key) =>
            SqliteStreamWriter.ReadProducer(reader.Command(SqliteStreamWriter.SelectProducer), key.streamId, key.producerId));

    public IReadOnlyList<StoredMessage> ReadOwn(long streamId, long from, long to, long maxBytes, int maxMessages) =>
        Read((streamId, from, to, maxBytes, maxMessages), static (reader, range) =>
            SqliteStreamWriter.ReadMessages(reader.Command(SqliteStreamWriter.SelectMessages), range.streamId, range.from, range.to, range.maxBytes, range.maxMessages));

    public long StartOfLastAppends(long streamId, int appends) =>
        Read((streamId, appends), static (reader, key) =>
        {
            // One chunk per append, keyed by its start position: the N-th from the end, found through the primary key.
            var command = reader.Command(LastAppendsStart);
            command.Parameters["$stream"].Value = key.streamId;
            command.Parameters["$skip"].Value = Math.Max(0, key.appends - 1);
            return (long)command.ExecuteScalar()!;
        });

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            while (_idle.TryPop(out var reader))
            {
                reader.Dispose();
            }
        }
    }

    private const string LastAppendsStart = """
        SELECT coalesce(
            (SELECT pos FROM chunks WHERE stream_id = $stream ORDER BY pos DESC LIMIT 1 OFFSET $skip),
            (SELECT min(pos) FROM chunks WHERE stream_id = $stream),
            0)
        """;

    /// <summary>Runs one read on a lent reader; a reader whose read threw is closed rather than lent again.</summary>
    private T Read<TState, T>(TState state, Func<Reader, TState, T> read)
    {
        var reader = Rent();
        T result;
        try
        {
            result = read(reader, state);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
        Return(reader);
        return result;
    }

    private Reader Rent()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_idle.TryPop(out var reader))
            {
                return reader;
            }
        }
        return new Reader(connectionString);
    }

    private void Return(Reader reader)
    {
        lock (_lock)
        {
            if (!_disposed && _idle.Count < MaxIdle)
            {
                _idle.Push(reader);
                return;
            }
        }
        reader.Dispose();
    }

    private sealed class Reader : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly PreparedCommands _commands;

        public Reader(string connectionString)
        {
            _connection = new SqliteConnection(connectionString);
            _connection.Open();
            _commands = new PreparedCommands(_connection);
        }

        public SqliteCommand Command(string sql) => _commands.Get(sql, null);

        public void Dispose()
        {
            _commands.Dispose();
            _connection.Dispose();
        }
    }
}
