using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dashboard.Testing;
using Npgsql;

namespace Dashboard.Benchmarks;

/// <summary>
/// The runs service on SQLite against the runs service on PostgreSQL, with the Node reference server beside them for the
/// streams, in one run: the same Release build started as it is deployed (a process per instance, loopback HTTP). Stream
/// append, catch-up and wake-up as in results/streams.md; the wake-up across two instances sharing the PostgreSQL
/// database; and the run-inspection reads (the list over many runs, the trace and timeline of a 10,000-step run).
/// Writes results/stores.md.
/// </summary>
internal static class StoresBenchmark
{
    private const int ListRuns = 200_000;
    private const int ListDepth = 100;

    private sealed record Reads(double First, double Deep, double Filtered, double Counts, double Trace, double Timeline, RunsBenchmark.FilterReads Filters);

    public static async Task RunAsync()
    {
        var referenceDirectory = Path.Combine(RepoPaths.Root, "tests", "Dashboard.Benchmarks", "reference");
        if (!Directory.Exists(Path.Combine(referenceDirectory, "node_modules")))
        {
            throw new InvalidOperationException("Run `bash .ci/setup` first: the reference server's npm packages are missing.");
        }
        string[] common = ["--Logging:LogLevel:Default", "Warning", "--Runs:RateLimitPerMinute", "100000000"];

        StreamsBenchmark.Measurements reference, sqlite, postgres;
        var referenceData = Directory.CreateTempSubdirectory("reference-stores-").FullName;
        await using (var server = await AppProcess.StartCommandAsync("reference", "node", [Path.Combine(referenceDirectory, "server.mjs"), referenceData], referenceDirectory))
        {
            reference = await StreamsBenchmark.MeasureAsync("reference", server.BaseAddress);
        }
        Directory.Delete(referenceData, recursive: true);

        Reads sqliteReads;
        await using (var service = await AppProcess.StartAsync("Dashboard.Runs", ["--Streams:DatabasePath", "{data}/runs.db", .. common]))
        {
            sqlite = await StreamsBenchmark.MeasureAsync("sqlite", service.BaseAddress);
            // One run reported first, as a serving store has: a file with runs and no insights at all is counted again at
            // start (InsightsBackfill), which would place the seeded failed runs in groups of its own making.
            using (var http = RunsBenchmark.Client(service.BaseAddress))
            {
                await RunsBenchmark.PostAsync(http, "before-seed", """[{"type":"run_started","timestamp":"2026-01-01T00:00:00Z","workflowId":"wf-first"}]""");
            }
            await service.KillAsync();
            var seconds = RunsBenchmark.Seed(Path.Combine(service.DataDirectory, "runs.db"), ListRuns, withModels: true);
            Console.WriteLine($"[sqlite] seeded {ListRuns:N0} runs in {seconds:F1} s");
            await using var again = await AppProcess.StartAsync("Dashboard.Runs", ["--Streams:DatabasePath", "{data}/runs.db", .. common], service.DataDirectory);
            sqliteReads = await ReadsAsync("sqlite", again.BaseAddress);
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        Reads postgresReads;
        (double P50, double P99, int Samples, int Missed) across;
        await using (var server = await PostgresServer.StartAsync())
        {
            var database = await server.CreateDatabaseAsync("bench");
            string[] args = ["--Storage:Provider", "PostgreSql", "--ConnectionStrings:Runs", database, .. common];
            var instances = await Task.WhenAll(AppProcess.StartAsync("Dashboard.Runs", args), AppProcess.StartAsync("Dashboard.Runs", args));
            await using var a = instances[0];
            await using var b = instances[1];
            postgres = await StreamsBenchmark.MeasureAsync("postgresql", a.BaseAddress);
            using (var writer = StreamsBenchmark.Client(a.BaseAddress))
            using (var readers = StreamsBenchmark.Client(b.BaseAddress))
            {
                across = await StreamsBenchmark.WakeLatencyAsync(writer, readers, $"v1/stream/across-{Guid.NewGuid():N}");
            }
            Console.WriteLine($"[postgresql] wake-up across instances: p50 {across.P50:F1} ms, p99 {across.P99:F1} ms ({across.Samples} samples, {across.Missed} missed)");
            var seconds = SeedPostgreSql(database, ListRuns);
            Console.WriteLine($"[postgresql] seeded {ListRuns:N0} runs in {seconds:F1} s");
            postgresReads = await ReadsAsync("postgresql", b.BaseAddress);
        }

        var report = Report(reference, sqlite, postgres, across, sqliteReads, postgresReads);
        await ResultsFile.WriteAsync("stores.md", report);
        Console.WriteLine(report);
    }

    private static async Task<Reads> ReadsAsync(string name, Uri baseAddress)
    {
        using var http = RunsBenchmark.Client(baseAddress);
        var (trace, timeline) = await RunsBenchmark.TraceAsync(http);
        var (first, deep, filtered, counts) = await RunsBenchmark.ListAsync(http, ListDepth);
        var filters = await RunsBenchmark.FilterReadsAsync(http, ListRuns);
        Console.WriteLine($"[{name}] list first {first:F2} ms, page {ListDepth} {deep:F2} ms, filtered {filtered:F2} ms, counts {counts:F2} ms; trace {trace:F1} ms, timeline {timeline:F1} ms; {filters}");
        return new Reads(first, deep, filtered, counts, trace, timeline, filters);
    }

    /// <summary>The same rows <see cref="RunsBenchmark.Seed(string, int, bool)"/> writes into SQLite (with models), in a few statements.</summary>
    private static double SeedPostgreSql(string connectionString, int count)
    {
        var watch = Stopwatch.StartNew();
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("""
            INSERT INTO runs (id, workflow_id, workflow_name, status, trigger_type, experiment_id, parent_run_id, started_at, completed_at, error_message, record_json, stream_offset)
            SELECT 'seed-' || lpad(i::text, 7, '0'), 'wf-' || lpad((i % 40)::text, 2, '0'), 'Workflow ' || (i % 40), s.status, 'api', NULL, NULL,
                1790000000000 + i * 1000, CASE WHEN s.status = 'running' THEN NULL ELSE 1790000000000 + i * 1000 + 5000 END,
                CASE WHEN s.status = 'failed' THEN 'Upstream 502 on attempt ' || (i % 3) END,
                json_build_object('id', 'seed-' || lpad(i::text, 7, '0'), 'workflowId', 'wf-' || lpad((i % 40)::text, 2, '0'), 'status', s.status,
                    'startedAt', to_char(to_timestamp((1790000000000 + i * 1000) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
                    'stepCount', 12, 'totalTokens', 4000, 'costUsd', '0.0021')::text,
                NULL
            FROM generate_series(0, @count - 1) AS i,
                LATERAL (SELECT (ARRAY['completed', 'completed', 'completed', 'failed', 'running', 'cancelled', 'timeout', 'waiting'])[i % 8 + 1] AS status) s;
            ANALYZE runs;
            """, connection) { CommandTimeout = 600 };
        command.Parameters.AddWithValue("count", count);
        command.ExecuteNonQuery();
        // The triggers that keep the status counts updated their 320 rows 200,000 times in that one statement, leaving
        // 11 MB of dead row versions that every count would scan. A serving database updates them a run at a time, in
        // place (HOT: 10,000 status changes left the table at 24 kB), so the table is rewritten before the reads.
        using var vacuum = new NpgsqlCommand("VACUUM FULL ANALYZE run_status_counts", connection);
        vacuum.ExecuteNonQuery();
        // Every 10th run called the common model, every 10,000th the rare one; wf-03's runs (every one failed) are in the
        // two failure groups, its 100 oldest in the old one.
        using var lookups = new NpgsqlCommand("""
            INSERT INTO run_models (run_id, model)
            SELECT 'seed-' || lpad(i::text, 7, '0'), CASE WHEN i % 10000 = 0 THEN @rare ELSE @common END FROM generate_series(0, @count - 1, 10) AS i;
            INSERT INTO run_failures (run_id, signature)
            SELECT 'seed-' || lpad(i::text, 7, '0'), CASE WHEN i < @oldBefore THEN @old ELSE @big END FROM generate_series(3, @count - 1, 40) AS i;
            INSERT INTO insight_failure_groups (signature, workflow_id, step_id, error_code, error_type, message, first_seen, last_seen, examples)
            SELECT g.signature, 'wf-03', 'charge', 'E_UPSTREAM', NULL, 'Upstream 502 on attempt <n>', 1790000000000 + g.first * 1000 + 5000,
                1790000000000 + g.last * 1000 + 5000, '["seed-' || lpad(g.last::text, 7, '0') || '"]'
            FROM (VALUES (@old, 3, @oldBefore - 37), (@big, @oldBefore + 3, @count - 37)) AS g (signature, first, last);
            ANALYZE run_models;
            ANALYZE run_failures;
            """, connection) { CommandTimeout = 600 };
        lookups.Parameters.AddWithValue("count", count);
        lookups.Parameters.AddWithValue("common", RunsBenchmark.CommonModel);
        lookups.Parameters.AddWithValue("rare", RunsBenchmark.RareModel);
        lookups.Parameters.AddWithValue("old", RunsBenchmark.OldGroup);
        lookups.Parameters.AddWithValue("big", RunsBenchmark.BigGroup);
        lookups.Parameters.AddWithValue("oldBefore", RunsBenchmark.OldGroupBefore);
        lookups.ExecuteNonQuery();
        return watch.Elapsed.TotalSeconds;
    }

    private static string Report(StreamsBenchmark.Measurements reference, StreamsBenchmark.Measurements sqlite, StreamsBenchmark.Measurements postgres,
        (double P50, double P99, int Samples, int Missed) across, Reads sqliteReads, Reads postgresReads)
    {
        static string Ratio(double a, double b) => (a / b).ToString("F2", CultureInfo.InvariantCulture) + "x";
        var r = new StringBuilder();
        r.AppendLine("# The runs service on SQLite and on PostgreSQL (and the reference server)");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on this machine ({Environment.ProcessorCount} cores) by");
        r.AppendLine("`dotnet run -c Release --project tests/Dashboard.Benchmarks -- stores`, all in one run: the Node reference server");
        r.AppendLine("(`@durable-streams/server` 0.3.7, file-backed), our runs service on SQLite (WAL, `synchronous=NORMAL`) and on PostgreSQL 15");
        r.AppendLine("(the Debian package, started by the benchmark in a temporary folder with `fsync=off`, as the tests do), each a");
        r.AppendLine("process of the Release build on loopback. On PostgreSQL two service instances share the database.");
        r.AppendLine();
        r.AppendLine("## Streams (`/v1/stream`, measured as in results/streams.md)");
        r.AppendLine();
        r.AppendLine("| measure | reference | SQLite | PostgreSQL | PostgreSQL / SQLite | PostgreSQL / reference |");
        r.AppendLine("|---|---:|---:|---:|---:|---:|");
        void Row(string measure, double refValue, double s, double p, string format) =>
            r.AppendLine(CultureInfo.InvariantCulture, $"| {measure} | {refValue.ToString(format, CultureInfo.InvariantCulture)} | {s.ToString(format, CultureInfo.InvariantCulture)} | {p.ToString(format, CultureInfo.InvariantCulture)} | {Ratio(p, s)} | {Ratio(p, refValue)} |");
        Row("append throughput, warm (events/s)", reference.AppendEventsPerSecond, sqlite.AppendEventsPerSecond, postgres.AppendEventsPerSecond, "N0");
        Row("catch-up read (events/s)", reference.CatchUpEventsPerSecond, sqlite.CatchUpEventsPerSecond, postgres.CatchUpEventsPerSecond, "N0");
        Row("long-poll wake-up p50 (ms)", reference.WakeP50Ms, sqlite.WakeP50Ms, postgres.WakeP50Ms, "F1");
        Row("long-poll wake-up p99 (ms)", reference.WakeP99Ms, sqlite.WakeP99Ms, postgres.WakeP99Ms, "F1");
        r.AppendLine(CultureInfo.InvariantCulture, $"| long-poll wake-up across instances, p50 / p99 (ms) | | | {across.P50:F1} / {across.P99:F1} | | |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| wake-up samples / missed | {reference.WakeSamples} / {reference.WakeMissed} | {sqlite.WakeSamples} / {sqlite.WakeMissed} | {postgres.WakeSamples} / {postgres.WakeMissed} (across: {across.Samples} / {across.Missed}) | | |");
        r.AppendLine();
        r.AppendLine("Across instances: the append is sent to instance A, the 200 long-polls wait on instance B, which hears of it by `LISTEN/NOTIFY`.");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"## Run-inspection reads (medians, measured by the client; target: PostgreSQL within 2x of SQLite)");
        r.AppendLine();
        r.AppendLine("| measure | SQLite (ms) | PostgreSQL (ms) | PostgreSQL / SQLite |");
        r.AppendLine("|---|---:|---:|---:|");
        // Two decimals: the list's reads take a few tenths of a millisecond, where one decimal hid a ratio of 2 behind 0.2 and 0.4.
        void Read(string measure, double s, double p) => r.AppendLine(CultureInfo.InvariantCulture, $"| {measure} | {s:F2} | {p:F2} | {Ratio(p, s)} |");
        Read($"`GET /api/runs` first page (50 rows) of {ListRuns:N0} runs", sqliteReads.First, postgresReads.First);
        Read($"`GET /api/runs` {ListDepth}th page (keyset cursor)", sqliteReads.Deep, postgresReads.Deep);
        Read("`GET /api/runs?status=failed&workflowId=…` first page", sqliteReads.Filtered, postgresReads.Filtered);
        Read($"status counts over {ListRuns:N0} runs", sqliteReads.Counts, postgresReads.Counts);
        Read("`GET /api/runs/{id}/trace`, 10,000 steps", sqliteReads.Trace, postgresReads.Trace);
        Read("`GET /api/runs/{id}/timeline`, 10,000 steps, 11,000 attempts", sqliteReads.Timeline, postgresReads.Timeline);
        var (s, p) = (sqliteReads.Filters, postgresReads.Filters);
        Read($"`GET /api/runs?model=…` first page, a model every 10th run called ({ListRuns / 10:N0} runs)", s.Common, p.Common);
        Read("the same with its status counts (`counts=true`)", s.CommonCounted, p.CommonCounted);
        Read($"`GET /api/runs?model=…` first page, a model {ListRuns / 10_000} runs called", s.Rare, p.Rare);
        Read("the same with its status counts (`counts=true`)", s.RareCounted, p.RareCounted);
        Read($"a failure group's runs (`failureSignature=…` with its link's status and workflow), first page, a group of {RunsBenchmark.BigGroupRuns(ListRuns):N0} runs", s.BigGroup, p.BigGroup);
        Read("the same with its status counts (`counts=true`)", s.BigGroupCounted, p.BigGroupCounted);
        Read("a failure group's runs, first page, a group of its workflow's 100 oldest runs", s.OldGroup, p.OldGroup);
        Read("the same with its status counts (`counts=true`)", s.OldGroupCounted, p.OldGroupCounted);
        Read($"`GET /api/insights/failures/{{signature}}`, the group of {RunsBenchmark.BigGroupRuns(ListRuns):N0} runs", s.GroupRead, p.GroupRead);
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"The {ListRuns:N0} runs are written straight into the projection table of each store (the same rows on both, with the model and failure group of each run that has one); the 10,000-step run is reported through the API (on PostgreSQL, through instance B, which also serves the reads).");
        return r.ToString();
    }
}
