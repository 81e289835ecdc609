using Microsoft.Data.Sqlite;

namespace Dashboard.Runs.Storage;

/// <summary>What a file's tables hold: the start-up upgrades of files written before a column came ask it.</summary>
internal static class SqliteColumns
{
    public static bool Has(SqliteConnection connection, SqliteTransaction transaction, string table, string column)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM pragma_table_info(@table) WHERE name = @column";
        command.Parameters.AddWithValue("@table", table);
        command.Parameters.AddWithValue("@column", column);
        return (long)command.ExecuteScalar()! > 0;
    }
}
