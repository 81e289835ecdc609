using Dashboard.Streams.Core;
using Dashboard.Streams.Storage;

namespace Dashboard.Streams.Tests;

/// <summary>
/// An engine on a real store: a SQLite file in a fresh folder (removed afterwards), or, given a connection string, a
/// fresh PostgreSQL database.
/// </summary>
internal sealed class TempStore : IDisposable
{
    private readonly string? _postgres;

    public TempStore(TimeProvider? time = null, string? postgresConnectionString = null)
    {
        _postgres = postgresConnectionString;
        Directory = System.IO.Directory.CreateTempSubdirectory("streams-test-").FullName;
        DatabasePath = Path.Combine(Directory, "streams.db");
        Time = time ?? TimeProvider.System;
        Open();
    }

    public string Directory { get; }
    public string DatabasePath { get; }
    public TimeProvider Time { get; }
    public IStreamStore Store { get; private set; } = null!;
    public DurableStreamEngine Engine { get; private set; } = null!;

    /// <summary>Closes and opens the store again on the same file or database, as a restart would.</summary>
    public void Reopen()
    {
        Store.Dispose();
        Open();
    }

    private void Open()
    {
        Store = _postgres is null ? new SqliteStreamStore(DatabasePath, Time) : new PostgreSqlStreamStore(_postgres, Time);
        Engine = new DurableStreamEngine(Store, new StreamNotifier(), Time);
    }

    public void Dispose()
    {
        Store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder.
        }
    }
}
