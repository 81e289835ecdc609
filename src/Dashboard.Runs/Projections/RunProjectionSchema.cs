using Microsoft.Data.Sqlite;

namespace Dashboard.Runs.Projections;

/// <summary>The runs service's tables, in the same SQLite file as the streams so that both change in one transaction.</summary>
internal static class RunProjectionSchema
{
    public const string Sql = """
        CREATE TABLE IF NOT EXISTS runs (
            id TEXT PRIMARY KEY,
            workflow_id TEXT NOT NULL,
            workflow_name TEXT,
            status TEXT NOT NULL,
            trigger_type TEXT,
            experiment_id TEXT,
            parent_run_id TEXT,
            started_at INTEGER NOT NULL,
            completed_at INTEGER,
            error_message TEXT,
            record_json TEXT NOT NULL,
            stream_offset TEXT
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS runs_by_start ON runs(started_at DESC, id DESC);
        CREATE INDEX IF NOT EXISTS runs_by_workflow ON runs(workflow_id, started_at DESC, id DESC);
        CREATE INDEX IF NOT EXISTS runs_by_status ON runs(status, started_at DESC, id DESC);
        CREATE INDEX IF NOT EXISTS runs_by_parent ON runs(parent_run_id, started_at DESC, id DESC);

        CREATE TABLE IF NOT EXISTS run_steps (
            run_id TEXT NOT NULL,
            step_id TEXT NOT NULL,
            loop_index INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            order_index INTEGER NOT NULL,
            is_latest INTEGER NOT NULL,
            trace_json TEXT NOT NULL,
            PRIMARY KEY (run_id, step_id, loop_index, attempt)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS run_steps_latest ON run_steps(run_id, is_latest, order_index);
        """;

    public static void Ensure(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Loop index as stored: -1 for a step outside any loop (SQLite keys cannot be null-distinct).</summary>
    public static long LoopKey(int? loopIndex) => loopIndex ?? -1;
}
