using Microsoft.Data.Sqlite;

namespace Dashboard.Runs.Storage;

/// <summary>
/// The search index's own SQLite file beside the runs' (<c>runs.db</c> → <c>runs.search.db</c>). SQLite has one writer per
/// file: in the runs' file, every transaction of the indexer (thousands of documents, their text index) held back every
/// ingesting POST, and the writer was busy 93-96 % of the time under the ingest benchmark. Here it writes on its own
/// lock, beside ingestion. Nothing in it is the only copy: it is made from the runs' streams, and made again from them
/// when it is missing or belongs to another runs file (<see cref="Search.SearchSchema"/>).
/// </summary>
internal sealed class SqliteSearchFile : IDisposable
{
    private readonly string _connectionString;
    private readonly SqliteConnection _writeConnection;
    private readonly Lock _writeLock = new();
    private int _disposed;

    public SqliteSearchFile(Streams.Storage.SqliteStreamStore runs)
    {
        Path = PathBeside(runs.DatabasePath);
        _connectionString = new SqliteConnectionStringBuilder(runs.ConnectionString) { DataSource = Path }.ToString();
        _writeConnection = new SqliteConnection(_connectionString);
        _writeConnection.Open();
        // The index is made again from the streams if it is lost, so a crash may cost its last commits (NORMAL), never
        // its consistency (WAL). A small page cache: each commit walks all of it (see SqliteStreamStore).
        using var pragmas = _writeConnection.CreateCommand();
        pragmas.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA cache_size=-8192; PRAGMA temp_store=MEMORY;";
        pragmas.ExecuteNonQuery();
    }

    /// <summary>The file of the index that belongs to the runs' file at <paramref name="runsDatabasePath"/>.</summary>
    public static string PathBeside(string runsDatabasePath)
    {
        var full = System.IO.Path.GetFullPath(runsDatabasePath);
        return System.IO.Path.ChangeExtension(full, null) + ".search.db";
    }

    public string Path { get; }

    /// <summary>A pooled connection on the index for reads; the caller disposes it.</summary>
    public SqliteConnection OpenRead()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Runs <paramref name="work"/> in a write transaction of the index, one at a time; committed when it returns.</summary>
    public T Write<T>(Func<SqliteTransaction, T> work)
    {
        lock (_writeLock)
        {
            using var transaction = _writeConnection.BeginTransaction(deferred: false);
            var result = work(transaction);
            transaction.Commit();
            return result;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        lock (_writeLock)
        {
            _writeConnection.Dispose();
        }
    }
}
