using Microsoft.Data.Sqlite;

namespace Dashboard.Runs.Insights;

/// <summary>
/// Cross-run aggregates, kept at ingest in the transaction that appends a run's events, so that the insights reads sum a
/// few rows per time bucket and never scan runs. Every row is keyed by grain (minutes per bucket: 1 or 60) and bucket
/// start (Unix ms): minute rows serve periods up to two days, hour rows longer ones. A run counts in the bucket of its
/// start, as the executions list filters by start; money is kept in pico-dollars (10^-12 USD) so that sums are exact.
/// </summary>
internal static class InsightsSchema
{
    public const int MinuteGrain = 1;
    public const int HourGrain = 60;
    public static readonly int[] Grains = [MinuteGrain, HourGrain];

    /// <summary>Periods up to this long are read from minute rows; longer ones from hour rows.</summary>
    public static readonly TimeSpan MinuteRowsUpTo = TimeSpan.FromHours(48);

    public const decimal PicoPerUsd = 1_000_000_000_000m;

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
            PRIMARY KEY (workflow_id, grain, bucket, step_id)
        ) WITHOUT ROWID;

        -- Durations as counts per logarithmic bin (DurationHistogram); step_id '' is the run's own duration.
        CREATE TABLE IF NOT EXISTS insight_durations (
            grain INTEGER NOT NULL,
            bucket INTEGER NOT NULL,
            workflow_id TEXT NOT NULL,
            step_id TEXT NOT NULL,
            bin INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (step_id, grain, bucket, workflow_id, bin)
        ) WITHOUT ROWID;

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

        CREATE TABLE IF NOT EXISTS insight_workflows (
            workflow_id TEXT PRIMARY KEY,
            workflow_name TEXT,
            last_run_at INTEGER,
            last_failure_at INTEGER
        ) WITHOUT ROWID;
        """;

    public static long BucketOf(DateTimeOffset time, int grain)
    {
        var size = grain * 60_000L;
        var ms = time.ToUnixTimeMilliseconds();
        return ms - (((ms % size) + size) % size);
    }

    public static void Ensure(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Sql;
        command.ExecuteNonQuery();
    }
}
