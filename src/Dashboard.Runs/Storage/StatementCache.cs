using System.Data.Common;

namespace Dashboard.Runs.Storage;

/// <summary>
/// Commands of the write connection, made once and run again for every batch: SQLite parses an upsert's text in about
/// as long as it takes to run it, and ingestion runs a few hundred of them a second while holding the write lock. A
/// command is made again when the transaction is on another connection (PostgreSQL's writes come from a pool).
/// Used only by the thread that holds the store's write lock.
/// </summary>
internal sealed class StatementCache : IDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    public DbCommand For(DbTransaction transaction, string sql)
    {
        if (!_commands.TryGetValue(sql, out var command) || command.Connection != transaction.Connection)
        {
            command?.Dispose();
            command = transaction.Connection!.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }
        command.Transaction = transaction;
        return command;
    }

    /// <summary>Sets <c>@name</c> of a command that runs many times (adding it the first time); null is SQL NULL.</summary>
    public static void Set(DbCommand command, string name, object? value)
    {
        var index = command.Parameters.IndexOf(name);
        if (index < 0)
        {
            command.With(name, value);
            return;
        }
        command.Parameters[index].Value = value ?? DBNull.Value;
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }
        _commands.Clear();
    }
}
