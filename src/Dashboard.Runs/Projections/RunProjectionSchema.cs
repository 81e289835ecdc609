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
            timeline_json TEXT,
            trace_json TEXT NOT NULL,
            PRIMARY KEY (run_id, step_id, loop_index, attempt)
        ) WITHOUT ROWID;
        -- One index for a run's attempts in order, and for its latest ones (is_latest is read from the index, so only
        -- those rows are fetched). Each index is one more page an attempt's write dirties: see DropSplitStepIndexes.
        CREATE INDEX IF NOT EXISTS run_steps_by_order ON run_steps(run_id, order_index, attempt, is_latest);

        -- The log lines engines send, numbered in the order they came (seq), with the columns the logs API filters on.
        -- Keyed by time, so that a page in time order is a range of the table and an offset skips along it (a secondary
        -- index by time would look up each line it skips); seq stays unique (run_logs_by_seq, RunLogsTable).
        CREATE TABLE IF NOT EXISTS run_logs (
            run_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            at INTEGER NOT NULL,
            level_rank INTEGER NOT NULL,
            step_id TEXT,
            attempt INTEGER,
            loop_index INTEGER NOT NULL,
            message TEXT,
            line_json TEXT NOT NULL,
            span_id TEXT,
            PRIMARY KEY (run_id, at, seq)
        ) WITHOUT ROWID;
        """;

    /// <summary>
    /// How many runs each workflow has in each status, kept by triggers on <c>runs</c> whatever writes it (ingestion,
    /// retention, a backfill): the executions list's status chips are a sum over a few rows, not a count over every run
    /// (PostgreSQL: the same table, see <see cref="Storage.PostgreSqlRunsSchema"/>).
    /// </summary>
    private const string StatusCountsSql = """
        CREATE TABLE IF NOT EXISTS run_status_counts (
            workflow_id TEXT NOT NULL,
            status TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (workflow_id, status)
        ) WITHOUT ROWID;
        CREATE TRIGGER IF NOT EXISTS runs_count_insert AFTER INSERT ON runs BEGIN
            INSERT INTO run_status_counts (workflow_id, status, count) VALUES (NEW.workflow_id, NEW.status, 1)
                ON CONFLICT (workflow_id, status) DO UPDATE SET count = count + 1;
        END;
        CREATE TRIGGER IF NOT EXISTS runs_count_update AFTER UPDATE OF status ON runs WHEN OLD.status IS NOT NEW.status BEGIN
            UPDATE run_status_counts SET count = count - 1 WHERE workflow_id = OLD.workflow_id AND status = OLD.status;
            INSERT INTO run_status_counts (workflow_id, status, count) VALUES (NEW.workflow_id, NEW.status, 1)
                ON CONFLICT (workflow_id, status) DO UPDATE SET count = count + 1;
        END;
        CREATE TRIGGER IF NOT EXISTS runs_count_delete AFTER DELETE ON runs BEGIN
            UPDATE run_status_counts SET count = count - 1 WHERE workflow_id = OLD.workflow_id AND status = OLD.status;
        END;
        """;

    /// <summary>
    /// The fields of a stored attempt that can be megabytes: what the timeline and the rollups leave out. Kept in step with
    /// <see cref="RunProjectionWriter"/>, which writes <c>timeline_json</c> without them.
    /// </summary>
    public const string PayloadPaths = "'$.inputContext', '$.outputContext', '$.mappedOutput', '$.errorContext.stack', '$.errorContext.data'";

    public static void Ensure(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Sql;
        command.ExecuteNonQuery();
        DropSplitStepIndexes(command);
        AddTimelineColumn(connection, transaction);
        AddStatusCounts(connection, transaction);
        AddRunModels(connection, transaction);
        RunLogsTable.Upgrade(connection, transaction);
    }

    /// <summary>
    /// The models each run's steps named: the executions list's model filter (a run probed by the key, or a model's runs
    /// found by the index; see <c>RunQueries</c>). A file written before it gets its runs' models once, from the stored
    /// attempts.
    /// </summary>
    private static void AddRunModels(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'run_models'";
        var existed = (long)command.ExecuteScalar()! > 0;
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS run_models (run_id TEXT NOT NULL, model TEXT NOT NULL, PRIMARY KEY (run_id, model)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS run_models_by_model ON run_models (model, run_id);
            """;
        command.ExecuteNonQuery();
        if (!existed)
        {
            command.CommandText = """
                INSERT OR IGNORE INTO run_models (run_id, model)
                SELECT DISTINCT run_id, json_extract(timeline_json, '$.modelUsed') FROM run_steps
                WHERE timeline_json IS NOT NULL AND json_extract(timeline_json, '$.modelUsed') IS NOT NULL
                """;
            command.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// The status counts' table and triggers; a file written before them gets its runs counted once, in the transaction
    /// that adds the triggers, so that no run is counted twice or missed.
    /// </summary>
    private static void AddStatusCounts(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'run_status_counts'";
        var existed = (long)command.ExecuteScalar()! > 0;
        command.CommandText = StatusCountsSql;
        command.ExecuteNonQuery();
        if (!existed)
        {
            command.CommandText = "INSERT INTO run_status_counts (workflow_id, status, count) SELECT workflow_id, status, COUNT(*) FROM runs GROUP BY workflow_id, status";
            command.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Files written before <c>run_steps_by_order</c> had two indexes on the attempts: by order, and by latest then order.
    /// Each was one more random page that every attempt's write dirtied and the commit wrote to the log; with one index,
    /// a one-event POST wrote about 17 % fewer bytes (results/live.md). The schema above builds the new index from the
    /// rows already there, once, at start-up; the two it replaces go here.
    /// </summary>
    private static void DropSplitStepIndexes(SqliteCommand command)
    {
        command.CommandText = "DROP INDEX IF EXISTS run_steps_latest; DROP INDEX IF EXISTS run_steps_order;";
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Files written before the timeline column existed get it, filled from the stored attempts: once, at start-up. Until
    /// then every timeline read stripped the payloads of every attempt, reading megabytes to return kilobytes.
    /// </summary>
    private static void AddTimelineColumn(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var probe = connection.CreateCommand();
        probe.Transaction = transaction;
        probe.CommandText = "SELECT COUNT(*) FROM pragma_table_info('run_steps') WHERE name = 'timeline_json'";
        if ((long)probe.ExecuteScalar()! > 0)
        {
            return;
        }
        using var alter = connection.CreateCommand();
        alter.Transaction = transaction;
        alter.CommandText = $"ALTER TABLE run_steps ADD COLUMN timeline_json TEXT; UPDATE run_steps SET timeline_json = json_remove(trace_json, {PayloadPaths});";
        alter.ExecuteNonQuery();
    }

    /// <summary>Loop index as stored: -1 for a step outside any loop (SQLite keys cannot be null-distinct).</summary>
    public static long LoopKey(int? loopIndex) => loopIndex ?? -1;
}
