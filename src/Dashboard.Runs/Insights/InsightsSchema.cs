using Dashboard.Model.Insights;
using Microsoft.Data.Sqlite;

namespace Dashboard.Runs.Insights;

/// <summary>
/// Cross-run aggregates, added to behind ingestion from the deltas each write transaction stores with its batches
/// (<see cref="InsightsOutbox"/>), so that the insights reads sum a few rows per time bucket and never scan runs. Every row is keyed by grain (minutes per bucket: 1 or 60) and bucket
/// start (Unix ms): minute rows serve periods up to 6 hours, hour rows up to 8 days, day rows longer ones, so that a read
/// sums a few hundred buckets at most. A run counts in the bucket of its start, as the executions list filters by start;
/// money is kept in pico-dollars (10^-12 USD) so that sums are exact; durations as a histogram per row
/// (<see cref="Dashboard.Model.Insights.DurationHistogram"/>), so that percentiles over a period merge one value per bucket.
/// <c>cost_reports</c> counts what reported a cost (runs whose cost became known, attempts with a cost), so that a
/// workflow or step nobody reported a cost for reads as no cost, not as $0.00.
/// </summary>
internal static class InsightsSchema
{
    public const int MinuteGrain = 1;
    public const int HourGrain = 60;
    public const int DayGrain = 1440;
    public static readonly int[] Grains = [MinuteGrain, HourGrain, DayGrain];

    /// <summary>
    /// Steps are kept by hour and day only: by minute they would be about a row per attempt. Step health over a short
    /// period is read from hour rows (its start rounds down to the hour).
    /// </summary>
    public static readonly int[] StepGrains = [HourGrain, DayGrain];

    /// <summary>
    /// Models are kept in every grain: a batch adds to one row per model it named (not one per step, as steps would), at
    /// most a row per minute, workflow and model; the overview's cost by model must cover the same minutes as its
    /// headline cost, whatever the period.
    /// </summary>
    public static readonly int[] ModelGrains = Grains;

    /// <summary>The grain a period is read from: the finest whose rows stay few.</summary>
    public static int GrainFor(TimeSpan period) =>
        period <= TimeSpan.FromHours(6) ? MinuteGrain : period <= TimeSpan.FromDays(8) ? HourGrain : DayGrain;

    public const decimal PicoPerUsd = 1_000_000_000_000m;

    /// <summary>Keyed by the period first, as <c>insight_runs</c>: the overview reads every workflow's models for a period.</summary>
    private const string ModelsTableSql = """
        CREATE TABLE IF NOT EXISTS insight_models (
            grain INTEGER NOT NULL,
            bucket INTEGER NOT NULL,
            workflow_id TEXT NOT NULL,
            model TEXT NOT NULL,
            calls INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            cost_pico INTEGER NOT NULL,
            cost_reports INTEGER NOT NULL,
            prompt_tokens INTEGER NOT NULL,
            cached_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL,
            PRIMARY KEY (grain, bucket, workflow_id, model)
        ) WITHOUT ROWID;
        """;

    public const string Sql = """
        CREATE TABLE IF NOT EXISTS insight_runs (
            grain INTEGER NOT NULL,
            bucket INTEGER NOT NULL,
            workflow_id TEXT NOT NULL,
            runs INTEGER NOT NULL,
            running INTEGER NOT NULL,
            waiting INTEGER NOT NULL,
            completed INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            cancelled INTEGER NOT NULL,
            timeout INTEGER NOT NULL,
            cost_pico INTEGER NOT NULL,
            prompt_tokens INTEGER NOT NULL,
            cached_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL,
            durations BLOB,
            cost_reports INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (grain, bucket, workflow_id)
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS insight_steps (
            grain INTEGER NOT NULL,
            bucket INTEGER NOT NULL,
            workflow_id TEXT NOT NULL,
            step_id TEXT NOT NULL,
            step_name TEXT,
            attempts INTEGER NOT NULL,
            retries INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            cost_pico INTEGER NOT NULL,
            prompt_tokens INTEGER NOT NULL,
            cached_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL,
            durations BLOB,
            cost_reports INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (workflow_id, grain, bucket, step_id)
        ) WITHOUT ROWID;

        """ + ModelsTableSql + """

        -- Each write transaction's insights deltas, until a pass adds them to the rows above (InsightsOutbox), with how they
        -- are written (format); rows that could not be read, set aside. The one row of the turn table is what the passes of
        -- several instances lock in turn (PostgreSQL).
        CREATE TABLE IF NOT EXISTS insight_pending (id INTEGER PRIMARY KEY AUTOINCREMENT, format INTEGER NOT NULL DEFAULT 1, deltas BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS insight_unreadable (id INTEGER PRIMARY KEY, format INTEGER NOT NULL, deltas BLOB NOT NULL, error TEXT NOT NULL, set_aside_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS insight_pending_turn (id INTEGER PRIMARY KEY);
        INSERT INTO insight_pending_turn (id) VALUES (1) ON CONFLICT DO NOTHING;

        -- Counts made once from the stored runs when an aggregate came after them (InsightsBackfill).
        CREATE TABLE IF NOT EXISTS insight_backfills (name TEXT PRIMARY KEY) WITHOUT ROWID;

        -- The failure group of each failed or timed-out run: the executions list's filter from a group to its runs.
        CREATE TABLE IF NOT EXISTS run_failures (run_id TEXT PRIMARY KEY, signature TEXT NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS run_failures_by_signature ON run_failures (signature, run_id);

        CREATE TABLE IF NOT EXISTS insight_failure_groups (
            signature TEXT PRIMARY KEY,
            workflow_id TEXT NOT NULL,
            step_id TEXT,
            error_code TEXT,
            error_type TEXT,
            message TEXT NOT NULL,
            first_seen INTEGER NOT NULL,
            last_seen INTEGER NOT NULL,
            examples TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS insight_failures (
            grain INTEGER NOT NULL,
            bucket INTEGER NOT NULL,
            signature TEXT NOT NULL,
            workflow_id TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (grain, bucket, signature)
        ) WITHOUT ROWID;

        -- The trigger types each workflow's runs have had: the list's trigger picker, without scanning runs.
        CREATE TABLE IF NOT EXISTS insight_triggers (
            workflow_id TEXT NOT NULL,
            trigger_type TEXT NOT NULL,
            PRIMARY KEY (workflow_id, trigger_type)
        ) WITHOUT ROWID;

        -- The models each workflow's steps have named: the list's model picker, without scanning the model rows.
        CREATE TABLE IF NOT EXISTS insight_workflow_models (
            workflow_id TEXT NOT NULL,
            model TEXT NOT NULL,
            PRIMARY KEY (workflow_id, model)
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS insight_workflows (
            workflow_id TEXT PRIMARY KEY,
            workflow_name TEXT,
            -- No longer written or read: a workflow's last run's start is read from runs (InsightsQueries.Workflows).
            last_run_at INTEGER,
            last_failure_at INTEGER
        ) WITHOUT ROWID;
        """;

    public static void RegisterFunctions(SqliteConnection connection) =>
        connection.CreateFunction<byte[]?, byte[]?, byte[]?>("hist_merge",
            (stored, addition) => addition is null ? stored : DurationHistogram.Merge(stored ?? [], addition), isDeterministic: true);

    public static long BucketOf(DateTimeOffset time, int grain)
    {
        var size = grain * 60_000L;
        var ms = time.ToUnixTimeMilliseconds();
        return ms - (((ms % size) + size) % size);
    }

    /// <summary>
    /// Creates the tables, and gives the (writer's) connection <c>hist_merge(stored, addition)</c>, with which an upsert
    /// adds durations to a row's histogram in the same statement (reading the blob back first tripled the statements
    /// per ingested step).
    /// </summary>
    public static void Ensure(SqliteConnection connection, SqliteTransaction transaction)
    {
        RegisterFunctions(connection);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Sql;
        command.ExecuteNonQuery();
        AddCostReports(connection, transaction);
        RekeyModels(connection, transaction);
        AddPendingFormat(connection, transaction);
        using var guards = connection.CreateCommand();
        guards.Transaction = transaction;
        guards.CommandText = SumGuardsSql;
        guards.ExecuteNonQuery();
    }

    /// <summary>
    /// SQLite turns an integer sum past 64 bits into a floating-point number without a word; PostgreSQL refuses a bigint
    /// out of range. These make SQLite refuse it too (a constraint error), so that on both stores the pass that would
    /// take an aggregate row past 9.2 million dollars (or 9.2x10^18 tokens) sets that pending row aside, logged, instead of
    /// keeping a rounded or wrapped total (<see cref="InsightsOutbox.RefusesData"/>).
    /// </summary>
    private static readonly string SumGuardsSql = string.Concat(new[] { "insight_runs", "insight_steps", "insight_models" }.Select(table => $"""
        CREATE TRIGGER IF NOT EXISTS {table}_sums_fit BEFORE UPDATE ON {table}
            WHEN typeof(NEW.cost_pico) <> 'integer' OR typeof(NEW.prompt_tokens) <> 'integer' OR typeof(NEW.cached_tokens) <> 'integer'
                OR typeof(NEW.completion_tokens) <> 'integer'
            BEGIN SELECT RAISE(ABORT, 'an insights sum passed 64 bits'); END;

        """));

    /// <summary>
    /// Files whose <c>insight_pending</c> came before its rows said how they are written get the column; the rows in it
    /// were all written the first way.
    /// </summary>
    private static void AddPendingFormat(SqliteConnection connection, SqliteTransaction transaction)
    {
        if (Storage.SqliteColumns.Has(connection, transaction, "insight_pending", "format"))
        {
            return;
        }
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "ALTER TABLE insight_pending ADD COLUMN format INTEGER NOT NULL DEFAULT 1";
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// <c>cost_reports</c> for rows written before it (the same on PostgreSQL, as a migration). Those rows cannot tell a
    /// cost reported as zero from none reported: a row with a cost counts as reported, one without as not. Run again, it
    /// changes nothing: a row written since with a cost has its reports counted.
    /// </summary>
    public const string CostReportsBackfillSql = """
        UPDATE insight_runs SET cost_reports = CASE WHEN runs > 0 THEN runs ELSE 1 END WHERE cost_pico <> 0 AND cost_reports = 0;
        UPDATE insight_steps SET cost_reports = CASE WHEN attempts > 0 THEN attempts ELSE 1 END WHERE cost_pico <> 0 AND cost_reports = 0;
        """;

    /// <summary>Files written before <c>cost_reports</c> get it, once, at start-up.</summary>
    private static void AddCostReports(SqliteConnection connection, SqliteTransaction transaction)
    {
        if (Storage.SqliteColumns.Has(connection, transaction, "insight_runs", "cost_reports"))
        {
            return;
        }
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            ALTER TABLE insight_runs ADD COLUMN cost_reports INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE insight_steps ADD COLUMN cost_reports INTEGER NOT NULL DEFAULT 0;
            {CostReportsBackfillSql}
            """;
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Files whose <c>insight_models</c> was keyed by workflow first (the first cut) get the period-first key, once: the
    /// overview reads every workflow's models for a period, a range of this key. SQLite cannot change a key in place.
    /// </summary>
    private static void RekeyModels(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT pk FROM pragma_table_info('insight_models') WHERE name = 'grain'";
        if ((long)command.ExecuteScalar()! == 1)
        {
            return;
        }
        command.CommandText = """
            ALTER TABLE insight_models RENAME TO insight_models_old;
            """ + ModelsTableSql + """

            INSERT INTO insight_models SELECT grain, bucket, workflow_id, model, calls, failed, cost_pico, cost_reports,
                prompt_tokens, cached_tokens, completion_tokens FROM insight_models_old;
            DROP TABLE insight_models_old;
            """;
        command.ExecuteNonQuery();
    }
}
