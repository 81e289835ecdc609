using Microsoft.Data.Sqlite;

namespace Dashboard.Runs.Storage;

/// <summary>
/// Commands of the one write connection, prepared once and run again for every batch: SQLite parses an upsert's text in
/// about as long as it takes to run it, and ingestion runs a few hundred of them a second while holding the write lock.
/// Used only by the thread that holds the store's write lock.
/// </summary>
internal sealed class StatementCache : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteCommand For(SqliteTransaction transaction, string sql)
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

    /// <summary>Sets a parameter of a command that runs many times (adding it the first time); its type follows the value.</summary>
    public static void Set(SqliteCommand command, string name, object? value)
    {
        var index = command.Parameters.IndexOf(name);
        var parameter = index >= 0 ? command.Parameters[index] : command.Parameters.Add(new SqliteParameter { ParameterName = name });
        parameter.Value = value ?? DBNull.Value;
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
