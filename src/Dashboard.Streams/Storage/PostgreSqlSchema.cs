using Npgsql;

namespace Dashboard.Streams.Storage;

/// <summary>
/// Versioned migrations for a component's tables in a PostgreSQL database: each applied once, in order, in one
/// transaction with its version, under an advisory lock (instances starting together do not race). A database whose
/// component is newer than this code knows is refused with a clear message rather than misread.
/// </summary>
public static class PostgreSqlSchema
{
    private const long MigrationLockKey = 0x44534d67;

    public static void Migrate(NpgsqlConnection connection, string component, IReadOnlyList<string> migrations)
    {
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, "SELECT pg_advisory_xact_lock(" + MigrationLockKey + ")");
        Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_versions (component text PRIMARY KEY, version integer NOT NULL)");
        using (var read = new NpgsqlCommand("SELECT version FROM schema_versions WHERE component = @component", connection, transaction))
        {
            read.Parameters.AddWithValue("component", component);
            var current = read.ExecuteScalar() is int version ? version : 0;
            if (current > migrations.Count)
            {
                throw new InvalidOperationException(
                    $"The database's '{component}' tables are at version {current}, newer than this build knows ({migrations.Count}): " +
                    "it was upgraded by a newer release. Run that release, or restore a backup taken before the upgrade.");
            }
            for (var i = current; i < migrations.Count; i++)
            {
                Execute(connection, transaction, migrations[i]);
            }
            if (current < migrations.Count)
            {
                using var write = new NpgsqlCommand(
                    "INSERT INTO schema_versions (component, version) VALUES (@component, @version) ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                    connection, transaction);
                write.Parameters.AddWithValue("component", component);
                write.Parameters.AddWithValue("version", migrations.Count);
                write.ExecuteNonQuery();
            }
        }
        transaction.Commit();
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }
}
