using Microsoft.Data.Sqlite;

namespace Dashboard.Runs.Projections;

/// <summary>
/// <c>run_logs</c> on SQLite brought to its present shape at start: keyed by (run, time, seq), with the span a line of
/// the run waits to be put on (<see cref="RunProjectionWriter"/>). A file from before either is upgraded once, in the
/// schema's transaction, its lines kept.
/// </summary>
internal static class RunLogsTable
{
    public static void Upgrade(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        if (!HasColumn(command, "span_id"))
        {
            // Filled from the lines that kept a span's id, so that the span still moves them when it comes.
            command.CommandText = """
                ALTER TABLE run_logs ADD COLUMN span_id TEXT;
                UPDATE run_logs SET span_id = json_extract(line_json, '$.fields."otel.spanId"')
                WHERE step_id IS NULL AND instr(line_json, '"otel.spanId"') > 0;
                """;
            command.ExecuteNonQuery();
        }
        if (!IsKeyedByTime(command))
        {
            // A WITHOUT ROWID table's key cannot change in place: the lines are copied into a table of the new shape.
            command.CommandText = """
                CREATE TABLE run_logs_upgraded (
                    run_id TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, level_rank INTEGER NOT NULL, step_id TEXT,
                    attempt INTEGER, loop_index INTEGER NOT NULL, message TEXT, line_json TEXT NOT NULL, span_id TEXT,
                    PRIMARY KEY (run_id, at, seq)
                ) WITHOUT ROWID;
                INSERT INTO run_logs_upgraded (run_id, seq, at, level_rank, step_id, attempt, loop_index, message, line_json, span_id)
                    SELECT run_id, seq, COALESCE(at, 0), level_rank, step_id, attempt, loop_index, message, line_json, span_id FROM run_logs;
                DROP TABLE run_logs;
                ALTER TABLE run_logs_upgraded RENAME TO run_logs;
                """;
            command.ExecuteNonQuery();
        }
        command.CommandText = """
            CREATE UNIQUE INDEX IF NOT EXISTS run_logs_by_seq ON run_logs (run_id, seq);
            CREATE INDEX IF NOT EXISTS run_logs_by_span ON run_logs (run_id, span_id) WHERE span_id IS NOT NULL;
            """;
        command.ExecuteNonQuery();
    }

    private static bool HasColumn(SqliteCommand command, string column)
    {
        command.CommandText = "SELECT COUNT(*) FROM pragma_table_info('run_logs') WHERE name = @column";
        command.Parameters.Clear();
        command.Parameters.AddWithValue("@column", column);
        var has = (long)command.ExecuteScalar()! > 0;
        command.Parameters.Clear();
        return has;
    }

    private static bool IsKeyedByTime(SqliteCommand command)
    {
        command.CommandText = "SELECT pk FROM pragma_table_info('run_logs') WHERE name = 'at'";
        return command.ExecuteScalar() is long position && position > 0;
    }
}
