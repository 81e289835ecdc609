using Microsoft.Data.Sqlite;

namespace Dashboard.Streams.Storage;

/// <summary>
/// Copies the write-ahead log back into the database from a background thread with its own connection, so that
/// appends never pay for a checkpoint. SQLite's automatic checkpoint runs inside the commit that crosses the
/// threshold: that writer copies megabytes and fsyncs the database while holding the write lock, and every append
/// queued behind it waits. A PASSIVE checkpoint here blocks no writer and no reader.
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    private int _disposed;
    private readonly SqliteConnection _connection;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly TimeSpan _interval;
    private long _writes;
    private long _checkpointedAt;

    public WalCheckpointer(string connectionString, TimeSpan interval)
    {
        _interval = interval;
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite WAL checkpointer", Priority = ThreadPriority.BelowNormal };
        _thread.Start();
    }

    /// <summary>Called after each commit: a checkpoint is only worth running when something was written.</summary>
    public void Wrote() => Interlocked.Increment(ref _writes);

    private void Run()
    {
        while (!_stop.Token.WaitHandle.WaitOne(_interval))
        {
            var writes = Interlocked.Read(ref _writes);
            if (writes == _checkpointedAt)
            {
                continue;
            }
            _checkpointedAt = writes;
            try
            {
                using var command = _connection.CreateCommand();
                command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                command.ExecuteNonQuery();
            }
            catch (SqliteException)
            {
                // Busy or locked: the next round tries again, and the writer's own automatic checkpoint is the backstop.
            }
        }
    }

    /// <summary>Stops the thread and closes the connection; later calls do nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _stop.Cancel();
        _thread.Join();
        _connection.Dispose();
        _stop.Dispose();
    }
}
