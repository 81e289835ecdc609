using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Dashboard.Streams.Storage;

/// <summary>
/// One prepared command per statement text on one connection, made on first use and kept until disposed. A command
/// made, run and disposed each time compiles its SQL each time: under a live load of single-event appends that was a
/// few percent of the process (SQLite's parser, the text's UTF-8 copy), for statements that never change.
/// </summary>
internal sealed partial class PreparedCommands(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    /// <summary>The command for <paramref name="sql"/>, its parameters declared from the text, bound to <paramref name="transaction"/>.</summary>
    public SqliteCommand Get(string sql, SqliteTransaction? transaction)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (Match match in ParameterName().Matches(sql))
            {
                if (!command.Parameters.Contains(match.Value))
                {
                    command.Parameters.Add(new SqliteParameter(match.Value, null));
                }
            }
            command.Transaction = transaction;
            command.Prepare();
            _commands[sql] = command;
        }
        command.Transaction = transaction;
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }
        _commands.Clear();
    }

    [GeneratedRegex(@"\$[a-z_]+")]
    private static partial Regex ParameterName();
}
