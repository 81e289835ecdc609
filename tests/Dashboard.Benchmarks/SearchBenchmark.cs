using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dashboard.Testing;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Dashboard.Benchmarks;

/// <summary>
/// <c>GET /api/search</c> over a million runs (five documents each: the run's input, two steps' inputs and outputs, an
/// error for one run in twelve), on SQLite and on PostgreSQL in one run: the same documents, the same queries, timed
/// over HTTP against the real runs service. Writes results/search.md.
/// </summary>
internal static class SearchBenchmark
{
    private const int Runs = 1_000_000;
    private const int Workflows = 20;

    private static readonly string[] Words =
    [
        "invoice", "approved", "pending", "refund", "customer", "shipment", "warehouse", "priority", "discount", "renewal",
        "contract", "payment", "declined", "timeout", "retry", "summary", "translate", "classify", "extract", "review",
        "escalate", "ticket", "billing", "account", "region", "europe", "america", "asia", "premium", "standard",
    ];

    private sealed record Query(string Name, string Text, string? Workflow = null);

    public static async Task RunAsync()
    {
        var queries = new List<Query>
        {
            new("a value found once (an order id)", $"ord_{Runs / 2:D7}"),
            new("two words, each common, together rare", "zq-marker declined"),
            new("a phrase found in 1 document of 60", "\"card declined by issuer\""),
            new("a phrase whose words meet in 1 document of 60, never in its order", "\"declined card\""),
            new("a word in 1 document of 30 (first page of 20)", "escalate"),
            new("a word in most documents (first page of 20)", "customer"),
            new("a common word in one workflow", "customer", "wf-07"),
            new("a word nowhere", "xylophone"),
        };
        var sqlite = await SqliteAsync(queries);
        var postgres = await PostgreSqlAsync(queries);
        var report = Report(queries, sqlite, postgres);
        await ResultsFile.WriteAsync("search.md", report);
        Console.WriteLine(report);
    }

    /// <summary>Run <paramref name="run"/>'s documents: (step, field, body).</summary>
    private static IEnumerable<(string? Step, string Field, string Body)> Documents(int run)
    {
        var random = new Random(run);
        string Phrase(int count) => string.Join(' ', Enumerable.Range(0, count).Select(_ => Words[random.Next(Words.Length)]));
        yield return (null, "runInput", $"{{\"orderId\":\"ord_{run:D7}\",\"customer\":\"customer {run % 50_000}\",\"note\":\"{Phrase(6)}\"}}");
        yield return ("fetch", "input", $"{{\"url\":\"https://api.example.com/orders/ord_{run:D7}\",\"region\":\"{Words[25 + run % 5]}\"}}");
        yield return ("fetch", "output", $"{{\"status\":200,\"items\":{run % 17},\"text\":\"{Phrase(12)}\"}}");
        yield return ("summarize", "input", $"{{\"prompt\":\"Summarise the order for the customer: {Phrase(10)}\"}}");
        yield return ("summarize", "output", $"{{\"summary\":\"{Phrase(20)}\"}}");
        if (run % 12 == 0)
        {
            // One run in a thousand carries the rare marker with a card decline.
            var marker = run % 1000 == 0 ? "zq-marker " : "";
            yield return ("charge", "error", $"{marker}Payment failed: card declined by issuer (code {run % 97})\nPaymentError\n  at Billing.Charge()");
        }
    }

    private static long StartedAt(int run, DateTimeOffset now) => (now - TimeSpan.FromMinutes(Runs - run)).ToUnixTimeMilliseconds();

    private static string Workflow(int run) => $"wf-{run % Workflows:D2}";

    private static async Task<List<double>> SqliteAsync(List<Query> queries)
    {
        var data = Directory.CreateTempSubdirectory("search-bench-").FullName;
        string[] args = ["--Streams:DatabasePath", "{data}/runs.db", "--Logging:LogLevel:Default", "Warning", "--Runs:RateLimitPerMinute", "100000000"];
        try
        {
            await using (var service = await AppProcess.StartAsync("Dashboard.Runs", args, data))
            {
                await service.KillAsync();
            }
            var seed = Stopwatch.StartNew();
            var documents = SeedSqlite(Path.Combine(data, "runs.db"), DateTimeOffset.UtcNow);
            Console.WriteLine($"[sqlite] seeded {Runs:N0} runs, {documents:N0} documents in {seed.Elapsed.TotalSeconds:F0} s");
            await using var again = await AppProcess.StartAsync("Dashboard.Runs", args, data);
            return await TimeAsync("sqlite", again.BaseAddress, queries);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    private static long SeedSqlite(string database, DateTimeOffset now)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;");
        // The documents go to the index's own file beside the runs' (run_search is found there by its name).
        Execute(connection, $"ATTACH '{Path.ChangeExtension(database, null)}.search.db' AS search; PRAGMA search.journal_mode=WAL; PRAGMA search.synchronous=OFF;");
        using var transaction = connection.BeginTransaction();
        using var run = connection.CreateCommand();
        run.Transaction = transaction;
        run.CommandText = "INSERT INTO runs (id, workflow_id, workflow_name, status, started_at, record_json) VALUES ($id, $wf, $wf, $status, $at, '{}')";
        var runParameters = new[] { "$id", "$wf", "$status", "$at" }.Select(n => run.Parameters.Add(n, SqliteType.Text)).ToArray();
        using var document = connection.CreateCommand();
        document.Transaction = transaction;
        document.CommandText = "INSERT INTO search.run_search (run_id, workflow_id, started_at, step_id, loop_index, attempt, field, body) VALUES ($id, $wf, $at, $step, -1, $attempt, $field, $body)";
        var documentParameters = new[] { "$id", "$wf", "$at", "$step", "$attempt", "$field", "$body" }.Select(n => document.Parameters.Add(n, SqliteType.Text)).ToArray();
        long count = 0;
        for (var i = 0; i < Runs; i++)
        {
            var (id, workflow, at) = ($"run-{i:D7}", Workflow(i), StartedAt(i, now));
            Set(runParameters, id, workflow, i % 12 == 0 ? "failed" : "completed", at);
            run.ExecuteNonQuery();
            foreach (var (step, field, body) in Documents(i))
            {
                Set(documentParameters, id, workflow, at, step, step is null ? null : 1, field, body);
                document.ExecuteNonQuery();
                count++;
            }
        }
        // The insights tables are not what is measured: one row tells the start-up backfill that they are filled.
        Execute(connection, "INSERT INTO insight_runs (grain, bucket, workflow_id, runs, running, waiting, completed, failed, cancelled, timeout, cost_pico, prompt_tokens, cached_tokens, completion_tokens) VALUES (0, 0, 'seed', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)", transaction);
        // The text index built at once from the stored documents (what the service's indexer does in batches), and marked so.
        Execute(connection, "INSERT INTO search.run_search_text(run_search_text) VALUES ('rebuild'); UPDATE search.run_search_progress SET indexed_to = (SELECT MAX(id) FROM search.run_search)", transaction);
        transaction.Commit();
        return count;
    }

    private static async Task<List<double>> PostgreSqlAsync(List<Query> queries)
    {
        await using var server = await PostgresServer.StartAsync();
        var database = await server.CreateDatabaseAsync("search");
        string[] args = ["--Storage:Provider", "PostgreSql", "--ConnectionStrings:Runs", database, "--Logging:LogLevel:Default", "Warning", "--Runs:RateLimitPerMinute", "100000000"];
        await using (var service = await AppProcess.StartAsync("Dashboard.Runs", args))
        {
            await service.KillAsync();
        }
        var seed = Stopwatch.StartNew();
        var documents = await SeedPostgreSqlAsync(database, DateTimeOffset.UtcNow);
        Console.WriteLine($"[postgresql] seeded {Runs:N0} runs, {documents:N0} documents in {seed.Elapsed.TotalSeconds:F0} s");
        await using var again = await AppProcess.StartAsync("Dashboard.Runs", args);
        return await TimeAsync("postgresql", again.BaseAddress, queries);
    }

    private static async Task<long> SeedPostgreSqlAsync(string connectionString, DateTimeOffset now)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        // The text index built once after the load (what the migration's index does row by row at ingest).
        await Execute(connection, "DROP INDEX run_search_words");
        await using (var runs = await connection.BeginBinaryImportAsync("COPY runs (id, workflow_id, workflow_name, status, started_at, record_json) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < Runs; i++)
            {
                await runs.WriteRowAsync(default, $"run-{i:D7}", Workflow(i), Workflow(i), i % 12 == 0 ? "failed" : "completed", StartedAt(i, now), "{}");
            }
            await runs.CompleteAsync();
        }
        long count = 0;
        await using (var documents = await connection.BeginBinaryImportAsync("COPY run_search (run_id, workflow_id, started_at, step_id, loop_index, attempt, field, body) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < Runs; i++)
            {
                foreach (var (step, field, body) in Documents(i))
                {
                    await documents.StartRowAsync();
                    await documents.WriteAsync($"run-{i:D7}", NpgsqlTypes.NpgsqlDbType.Text);
                    await documents.WriteAsync(Workflow(i), NpgsqlTypes.NpgsqlDbType.Text);
                    await documents.WriteAsync(StartedAt(i, now), NpgsqlTypes.NpgsqlDbType.Bigint);
                    if (step is null)
                    {
                        await documents.WriteNullAsync();
                        await documents.WriteAsync(-1L, NpgsqlTypes.NpgsqlDbType.Bigint);
                        await documents.WriteNullAsync();
                    }
                    else
                    {
                        await documents.WriteAsync(step, NpgsqlTypes.NpgsqlDbType.Text);
                        await documents.WriteAsync(-1L, NpgsqlTypes.NpgsqlDbType.Bigint);
                        await documents.WriteAsync(1, NpgsqlTypes.NpgsqlDbType.Integer);
                    }
                    await documents.WriteAsync(field, NpgsqlTypes.NpgsqlDbType.Text);
                    await documents.WriteAsync(body, NpgsqlTypes.NpgsqlDbType.Text);
                    count++;
                }
            }
            await documents.CompleteAsync();
        }
        await Execute(connection, "INSERT INTO insight_runs (grain, bucket, workflow_id, runs, running, waiting, completed, failed, cancelled, timeout, cost_pico, prompt_tokens, cached_tokens, completion_tokens) VALUES (0, 0, 'seed', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)");
        await Execute(connection, "SET maintenance_work_mem = '512MB'; CREATE INDEX run_search_words ON run_search USING gin (body_words); ANALYZE");
        return count;
    }

    private static async Task<List<double>> TimeAsync(string store, Uri baseAddress, List<Query> queries)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
        var times = new List<double>();
        foreach (var query in queries)
        {
            var url = $"api/search?q={Uri.EscapeDataString(query.Text)}" + (query.Workflow is null ? "" : $"&workflowId={query.Workflow}");
            // Checked before it is timed: the rare value is found in its run, the others find what they should.
            var hits = JsonDocument.Parse(await http.GetStringAsync(url)).RootElement.GetProperty("items");
            var expected = query.Text switch
            {
                "xylophone" or "\"declined card\"" => 0,
                var text when text.StartsWith("ord_", StringComparison.Ordinal) => 2,
                _ => -1,
            };
            if (expected >= 0 ? hits.GetArrayLength() != expected : hits.GetArrayLength() == 0)
            {
                throw new InvalidOperationException($"[{store}] '{query.Text}' found {hits.GetArrayLength()} hits");
            }
            var ms = await InsightsBenchmark.MedianAsync(http, url);
            times.Add(ms);
            Console.WriteLine($"[{store}] {query.Name,-48} {hits.GetArrayLength(),3} hits {ms,8:F1} ms");
        }
        return times;
    }

    private static string Report(List<Query> queries, List<double> sqlite, List<double> postgres)
    {
        var report = new StringBuilder();
        report.AppendLine("# Search benchmark");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on this machine ({Environment.ProcessorCount} cores), over HTTP on loopback against the runs service");
        report.AppendLine("(Release build), by `dotnet run -c Release --project tests/Dashboard.Benchmarks -- search`. Each time is the median of 21 requests");
        report.AppendLine("after 3 warm-up ones, measured by the client; the default page of 20 hits.");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Data: {Runs:N0} runs of {Workflows} workflows, each with its input and two steps' inputs and outputs (JSON of 60-200 characters), one in twelve with a step error: about 5.1 million documents, the same on both stores. Target: ≤ 100 ms.");
        report.AppendLine();
        report.AppendLine("| query | SQLite (FTS5) | PostgreSQL (tsvector, GIN) | PostgreSQL / SQLite |");
        report.AppendLine("|---|---:|---:|---:|");
        for (var i = 0; i < queries.Count; i++)
        {
            var query = queries[i];
            report.AppendLine(CultureInfo.InvariantCulture, $"| {query.Name}: `{query.Text}`{(query.Workflow is null ? "" : $" in `{query.Workflow}`")} | {sqlite[i]:F1} ms | {postgres[i]:F1} ms | {postgres[i] / sqlite[i]:F1}x |");
        }
        report.AppendLine();
        report.AppendLine("The documents were written straight into the index tables (SQLite: rows, then one FTS5 `rebuild`; PostgreSQL: `COPY`, then the GIN index), as ingest leaves them; ingesting a million runs through the API would take about half an hour here. Before timing, each query's hits are checked (the order id is found in its run's input and first step's input; the absent word finds nothing).");
        return report.ToString();
    }

    private static void Set(SqliteParameter[] parameters, params object?[] values)
    {
        for (var i = 0; i < parameters.Length; i++)
        {
            parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        // Building the text index over five million documents takes minutes: no command time-out.
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }
}
