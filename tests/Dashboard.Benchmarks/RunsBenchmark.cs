using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dashboard.Testing;
using Microsoft.Data.Sqlite;

namespace Dashboard.Benchmarks;

/// <summary>
/// The runs service on this machine: ingestion throughput through the API, the executions list over a million runs
/// (first page and 1,000th page), and the trace of a 10,000-step run. Writes results/runs.md.
/// </summary>
internal static class RunsBenchmark
{
    private const int ListRuns = 1_000_000;
    private const int TraceSteps = 10_000;
    internal const string CommonModel = "gpt-4o";
    internal const string RareModel = "rare-model";

    // The failure groups of wf-03, whose every run failed (25,000 of the million): its 100 oldest runs in one group, the
    // rest in another. A failure group's "All" link lists them with its status and workflow filters.
    internal const string BigGroup = "bench-group-common";
    internal const string OldGroup = "bench-group-old";
    internal const int OldGroupBefore = 4_000;
    private const string GroupFilters = "&status=failed,timeout&workflowId=wf-03&failureSignature=";

    public static async Task RunAsync()
    {
        var data = Directory.CreateTempSubdirectory("runs-bench-").FullName;
        string[] args = ["--Streams:DatabasePath", "{data}/runs.db", "--Logging:LogLevel:Default", "Warning", "--Runs:RateLimitPerMinute", "100000000"];
        var report = new StringBuilder();
        try
        {
            double ingest, traceMs, timelineMs;
            await using (var service = await AppProcess.StartAsync("Dashboard.Runs", args, data))
            {
                using var http = Client(service.BaseAddress);
                ingest = await IngestAsync(http);
                Console.WriteLine($"ingest: {ingest:N0} events/s");
                (traceMs, timelineMs) = await TraceAsync(http);
                Console.WriteLine($"trace of {TraceSteps} steps: {traceMs:F1} ms, timeline {timelineMs:F1} ms");
                await service.KillAsync();
            }

            var seedSeconds = Seed(Path.Combine(data, "runs.db"));
            Console.WriteLine($"seeded {ListRuns:N0} runs in {seedSeconds:F1} s");
            await using (var service = await AppProcess.StartAsync("Dashboard.Runs", args, data))
            {
                using var http = Client(service.BaseAddress);
                var (first, deep, filtered, counts) = await ListAsync(http);
                Console.WriteLine($"first page {first:F1} ms, 1000th page {deep:F1} ms, filtered {filtered:F1} ms, counts {counts:F1} ms");
                var (common, commonCounted, rare, rareCounted, bigGroup, bigGroupCounted, oldGroup, oldGroupCounted, bigGroupRead) = await FilterReadsAsync(http, ListRuns);
                Console.WriteLine($"model filter: common {common:F1} ms, with counts {commonCounted:F1} ms, rare {rare:F1} ms, rare with counts {rareCounted:F1} ms");
                Console.WriteLine($"failure group: big {bigGroup:F1} ms, with counts {bigGroupCounted:F1} ms, old {oldGroup:F1} ms, old with counts {oldGroupCounted:F1} ms, read by signature {bigGroupRead:F1} ms");
                report.AppendLine("# Runs service benchmark");
                report.AppendLine();
                report.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on this machine ({Environment.ProcessorCount} cores), over HTTP on loopback against the runs service");
                report.AppendLine("(Release build, SQLite WAL), by `dotnet run -c Release --project tests/Dashboard.Benchmarks -- runs`. Times are medians of repeated requests, measured by the client.");
                report.AppendLine();
                report.AppendLine("| measure | result | target |");
                report.AppendLine("|---|---:|---:|");
                report.AppendLine(CultureInfo.InvariantCulture, $"| ingestion, batches of 100 events, 8 writers | {ingest:N0} events/s | |");
                report.AppendLine(CultureInfo.InvariantCulture, $"| `GET /api/runs` first page (50 rows) of {ListRuns:N0} runs | {first:F1} ms | 20 ms |");
                report.AppendLine(CultureInfo.InvariantCulture, $"| `GET /api/runs` 1,000th page (keyset cursor) | {deep:F1} ms | 20 ms |");
                report.AppendLine(CultureInfo.InvariantCulture, $"| `GET /api/runs?status=failed&workflowId=…` first page | {filtered:F1} ms | |");
                report.AppendLine(CultureInfo.InvariantCulture, $"| status counts over all {ListRuns:N0} runs (`counts=true`) | {counts:F1} ms | |");
                report.AppendLine(CultureInfo.InvariantCulture, $"| `GET /api/runs?model=…` first page, a model every 10th run called | {common:F1} ms | 20 ms |");
                report.AppendLine(CultureInfo.InvariantCulture, $"| the same with its status counts (`counts=true`: 100,000 runs counted) | {commonCounted:F1} ms | |");
                report.AppendLine(CultureInfo.InvariantCulture, $"| `GET /api/runs?model=…` first page, a model 100 runs called | {rare:F1} ms | |");
                report.AppendLine(CultureInfo.InvariantCulture, $"| the same with its status counts (`counts=true`) | {rareCounted:F1} ms | |");
                report.AppendLine(CultureInfo.InvariantCulture, $"| a failure group's runs (`failureSignature=…` with its link's status and workflow), first page, a group of 24,900 runs | {bigGroup:F1} ms | |");
                report.AppendLine(CultureInfo.InvariantCulture, $"| the same with its status counts (`counts=true`) | {bigGroupCounted:F1} ms | |");
                report.AppendLine(CultureInfo.InvariantCulture, $"| a failure group's runs, first page, a group of its workflow's 100 oldest runs | {oldGroup:F1} ms | |");
                report.AppendLine(CultureInfo.InvariantCulture, $"| the same with its status counts (`counts=true`) | {oldGroupCounted:F1} ms | |");
                report.AppendLine(CultureInfo.InvariantCulture, $"| `GET /api/insights/failures/{{signature}}`, the group of 24,900 runs (what the list's chip names) | {bigGroupRead:F1} ms | |");
                report.AppendLine(CultureInfo.InvariantCulture, $"| `GET /api/runs/{{id}}/trace`, {TraceSteps:N0} steps | {traceMs:F1} ms | 200 ms |");
                report.AppendLine(CultureInfo.InvariantCulture, $"| `GET /api/runs/{{id}}/timeline`, {TraceSteps:N0} steps, {TraceSteps + TraceSteps / 10:N0} attempts | {timelineMs:F1} ms | |");
                report.AppendLine();
                report.AppendLine(CultureInfo.InvariantCulture, $"The million runs were written straight into the projection table ({seedSeconds:F0} s) rather than ingested through the API, which would take about twenty minutes here; the list queries are then served by the real service over HTTP. Pages are measured without status counts (the list asks for those apart); the counts row shows what they cost over the whole table.");
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
        await ResultsFile.WriteAsync("runs.md", report.ToString());
        Console.WriteLine(report);
    }

    internal static HttpClient Client(Uri baseAddress) => new(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5) };

    private static string Ts(long second) => DateTimeOffset.FromUnixTimeSeconds(1_790_000_000 + second).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    internal static async Task PostAsync(HttpClient http, string runId, string body)
    {
        using var response = await http.PostAsync($"api/runs/{runId}/events", new StringContent(body, Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>400 runs, each one batch of run_started plus 49 step start/complete pairs plus run_completed (100 events).</summary>
    private static async Task<double> IngestAsync(HttpClient http)
    {
        const int runs = 400;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async writer =>
        {
            for (var i = writer; i < runs; i += 8)
            {
                var events = new StringBuilder("[");
                events.Append("{\"type\":\"run_started\",\"timestamp\":\"" + Ts(0) + "\",\"workflowId\":\"wf-bench\",\"input\":{\"n\":" + i.ToString(CultureInfo.InvariantCulture) + "}}");
                for (var s = 0; s < 49; s++)
                {
                    events.Append(CultureInfo.InvariantCulture, $$$""",{"type":"step_started","timestamp":"{{{Ts(s + 1)}}}","stepId":"step-{{{s}}}","input":{"q":"lookup {{{s}}}"}}""");
                    events.Append(CultureInfo.InvariantCulture, $$$""",{"type":"step_completed","timestamp":"{{{Ts(s + 2)}}}","stepId":"step-{{{s}}}","modelUsed":"gpt-4o-mini","tokens":{"prompt":800,"cached":300,"completion":60},"costUsd":"0.000170","output":{"ok":true}}""");
                }
                events.Append(CultureInfo.InvariantCulture, $$""",{"type":"run_completed","timestamp":"{{Ts(60)}}"}]""");
                await PostAsync(http, $"ingest-{i}", events.ToString());
            }
        }));
        return runs * 100 / watch.Elapsed.TotalSeconds;
    }

    /// <summary>A run of 10,000 steps (every tenth retried once), then its trace and timeline, median of ten.</summary>
    internal static async Task<(double Trace, double Timeline)> TraceAsync(HttpClient http)
    {
        const string runId = "big-run";
        await PostAsync(http, runId, $$"""[{"type":"run_started","timestamp":"{{Ts(0)}}","workflowId":"wf-big"}]""");
        var second = 1L;
        for (var start = 0; start < TraceSteps; start += 200)
        {
            var events = new List<string>();
            for (var s = start; s < start + 200; s++)
            {
                events.Add("{\"type\":\"step_started\",\"timestamp\":\"" + Ts(second++) + "\",\"stepId\":\"step-" + s.ToString(CultureInfo.InvariantCulture) + "\",\"input\":{\"item\":" + s.ToString(CultureInfo.InvariantCulture) + "}}");
                if (s % 10 == 0)
                {
                    events.Add($$"""{"type":"step_failed","timestamp":"{{Ts(second++)}}","stepId":"step-{{s}}","error":"transient","willRetry":true}""");
                    events.Add($$"""{"type":"step_started","timestamp":"{{Ts(second++)}}","stepId":"step-{{s}}","attempt":2}""");
                }
                events.Add($$$"""{"type":"step_completed","timestamp":"{{{Ts(second++)}}}","stepId":"step-{{{s}}}","output":{"result":"value {{{s}}}"}}""");
            }
            await PostAsync(http, runId, "[" + string.Join(',', events) + "]");
        }
        return (await MedianAsync(http, $"api/runs/{runId}/trace", 10), await MedianAsync(http, $"api/runs/{runId}/timeline", 10));
    }

    private static double Seed(string database) => Seed(database, ListRuns, withModels: true);

    /// <summary>
    /// Writes <paramref name="count"/> runs straight into a SQLite file's projection table; <paramref name="withModels"/>:
    /// every 10th run also called <see cref="CommonModel"/>, every 10,000th <see cref="RareModel"/> (the model filter's
    /// best and worst case: its probe per run finds a page at once, or walks nearly every run); and every run of wf-03
    /// (all failed) is placed in a failure group, its oldest 100 in <see cref="OldGroup"/> (a walk by start would go
    /// through nearly every run to find them), the rest in <see cref="BigGroup"/>.
    /// </summary>
    internal static double Seed(string database, int count, bool withModels = false)
    {
        var watch = Stopwatch.StartNew();
        using var connection = new SqliteConnection($"Data Source={database}");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO runs (id, workflow_id, workflow_name, status, trigger_type, experiment_id, parent_run_id, started_at, completed_at, error_message, record_json, stream_offset) VALUES ($id, $wf, $name, $status, 'api', NULL, NULL, $started, $completed, $error, $json, NULL)";
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        var wf = insert.Parameters.Add("$wf", SqliteType.Text);
        var name = insert.Parameters.Add("$name", SqliteType.Text);
        var status = insert.Parameters.Add("$status", SqliteType.Text);
        var started = insert.Parameters.Add("$started", SqliteType.Integer);
        var completed = insert.Parameters.Add("$completed", SqliteType.Integer);
        var error = insert.Parameters.Add("$error", SqliteType.Text);
        var json = insert.Parameters.Add("$json", SqliteType.Text);
        insert.Prepare();
        string[] statuses = ["completed", "completed", "completed", "failed", "running", "cancelled", "timeout", "waiting"];
        for (var i = 0; i < count; i++)
        {
            var runId = $"seed-{i:D7}";
            var workflow = $"wf-{i % 40:D2}";
            var state = statuses[i % statuses.Length];
            var at = 1_790_000_000_000L + i * 1000L;
            id.Value = runId;
            wf.Value = workflow;
            name.Value = $"Workflow {i % 40}";
            status.Value = state;
            started.Value = at;
            completed.Value = state == "running" ? DBNull.Value : at + 5000;
            error.Value = state == "failed" ? $"Upstream 502 on attempt {i % 3}" : DBNull.Value;
            json.Value = JsonSerializer.Serialize(new { id = runId, workflowId = workflow, status = state, startedAt = DateTimeOffset.FromUnixTimeMilliseconds(at), stepCount = 12, totalTokens = 4000, costUsd = "0.0021" });
            insert.ExecuteNonQuery();
            if (withModels && i % 10 == 0)
            {
                using var model = connection.CreateCommand();
                model.Transaction = transaction;
                model.CommandText = "INSERT INTO run_models (run_id, model) VALUES ($id, $model)";
                model.Parameters.AddWithValue("$id", runId);
                model.Parameters.AddWithValue("$model", i % 10_000 == 0 ? RareModel : CommonModel);
                model.ExecuteNonQuery();
            }
            if (withModels && i % 40 == 3)
            {
                using var failure = connection.CreateCommand();
                failure.Transaction = transaction;
                failure.CommandText = "INSERT INTO run_failures (run_id, signature) VALUES ($id, $signature)";
                failure.Parameters.AddWithValue("$id", runId);
                failure.Parameters.AddWithValue("$signature", i < OldGroupBefore ? OldGroup : BigGroup);
                failure.ExecuteNonQuery();
            }
        }
        if (withModels)
        {
            foreach (var (signature, first, last) in new[] { (OldGroup, 3, OldGroupBefore - 37), (BigGroup, OldGroupBefore + 3, count - 37) })
            {
                using var group = connection.CreateCommand();
                group.Transaction = transaction;
                group.CommandText = "INSERT INTO insight_failure_groups (signature, workflow_id, step_id, error_code, error_type, message, first_seen, last_seen, examples) " +
                    "VALUES ($signature, 'wf-03', 'charge', 'E_UPSTREAM', NULL, 'Upstream 502 on attempt <n>', $first, $last, $examples)";
                group.Parameters.AddWithValue("$signature", signature);
                group.Parameters.AddWithValue("$first", 1_790_000_000_000L + first * 1000L + 5000);
                group.Parameters.AddWithValue("$last", 1_790_000_000_000L + last * 1000L + 5000);
                group.Parameters.AddWithValue("$examples", JsonSerializer.Serialize(new[] { $"seed-{last:D7}" }));
                group.ExecuteNonQuery();
            }
        }
        transaction.Commit();
        return watch.Elapsed.TotalSeconds;
    }

    private static Task<(double First, double Deep, double Filtered, double Counts)> ListAsync(HttpClient http) => ListAsync(http, 1000);

    /// <summary>The reads of the filters that look runs up in a table of their own (a model's, a failure group's): medians.</summary>
    internal sealed record FilterReads(double Common, double CommonCounted, double Rare, double RareCounted, double BigGroup, double BigGroupCounted,
        double OldGroup, double OldGroupCounted, double GroupRead);

    /// <summary>
    /// Over runs seeded by <see cref="Seed(string, int, bool)"/> with models (or the same rows written otherwise), after
    /// checking that the rare model's and the old group's filters list exactly their seeded runs: each filter's first page
    /// with and without its status counts, and the big group read by its signature.
    /// </summary>
    internal static async Task<FilterReads> FilterReadsAsync(HttpClient http, int runs)
    {
        await CheckModelFilterAsync(http, runs);
        await CheckFailureGroupAsync(http, runs);
        return new FilterReads(
            await MedianAsync(http, $"api/runs?limit=50&counts=false&model={CommonModel}", 30),
            await MedianAsync(http, $"api/runs?limit=50&counts=true&model={CommonModel}", 10),
            await MedianAsync(http, $"api/runs?limit=50&counts=false&model={RareModel}", 10),
            await MedianAsync(http, $"api/runs?limit=50&counts=true&model={RareModel}", 10),
            await MedianAsync(http, $"api/runs?limit=50&counts=false{GroupFilters}{BigGroup}", 30),
            await MedianAsync(http, $"api/runs?limit=50&counts=true{GroupFilters}{BigGroup}", 10),
            await MedianAsync(http, $"api/runs?limit=50&counts=false{GroupFilters}{OldGroup}", 10),
            await MedianAsync(http, $"api/runs?limit=50&counts=true{GroupFilters}{OldGroup}", 10),
            await MedianAsync(http, $"api/insights/failures/{BigGroup}", 30));
    }

    /// <summary>How many runs of <paramref name="runs"/> seeded the big failure group holds.</summary>
    internal static int BigGroupRuns(int runs) => (runs - OldGroupBefore) / 40;

    /// <summary>The list's first page, its <paramref name="depth"/>-th page (keyset cursor), a filtered page and the status counts: medians.</summary>
    internal static async Task<(double First, double Deep, double Filtered, double Counts)> ListAsync(HttpClient http, int depth)
    {
        var first = await MedianAsync(http, "api/runs?limit=50&counts=false", 30);
        string? cursor = null;
        var deepTimes = new List<double>();
        for (var page = 1; page <= depth; page++)
        {
            var watch = Stopwatch.StartNew();
            var body = await http.GetStringAsync("api/runs?limit=50&counts=false" + (cursor is null ? "" : "&cursor=" + cursor));
            if (page > depth - 10)
            {
                deepTimes.Add(watch.Elapsed.TotalMilliseconds);
            }
            cursor = JsonDocument.Parse(body).RootElement.GetProperty("nextCursor").GetString();
        }
        var deep = await MedianAsync(http, "api/runs?limit=50&counts=false&cursor=" + cursor, 30);
        var filtered = await MedianAsync(http, "api/runs?limit=50&counts=false&status=failed&workflowId=wf-03", 30);
        var counts = await MedianAsync(http, "api/runs?limit=1&counts=true", 30);
        return (first, Math.Min(deep, deepTimes.Order().ElementAt(deepTimes.Count / 2)), filtered, counts);
    }

    /// <summary>Before the figures count: the filter lists the seeded runs of the rare model, newest first, and nothing else.</summary>
    private static Task CheckModelFilterAsync(HttpClient http, int runs) =>
        CheckListsExactlyAsync(http, $"model={RareModel}", Enumerable.Range(0, runs / 10_000).Reverse().Select(k => $"seed-{k * 10_000:D7}").ToList(), "The model filter");

    /// <summary>Before the figures count: the old group's link lists exactly its 100 runs, newest first, and counts them; the big group counts its own.</summary>
    private static async Task CheckFailureGroupAsync(HttpClient http, int runs)
    {
        await CheckListsExactlyAsync(http, $"{GroupFilters.TrimStart('&')}{OldGroup}", Enumerable.Range(0, OldGroupBefore / 40).Reverse().Select(k => $"seed-{k * 40 + 3:D7}").ToList(),
            "The failure group's list");
        // And the big group, read by its signature, counts every one of its runs.
        var counted = JsonDocument.Parse(await http.GetStringAsync($"api/insights/failures/{BigGroup}")).RootElement.GetProperty("count").GetInt64();
        if (counted != BigGroupRuns(runs))
        {
            throw new InvalidOperationException($"The big failure group counted {counted} runs, not {BigGroupRuns(runs)}.");
        }
    }

    private static async Task CheckListsExactlyAsync(HttpClient http, string filter, List<string> expected, string what)
    {
        var page = JsonDocument.Parse(await http.GetStringAsync($"api/runs?limit=200&counts=true&{filter}")).RootElement;
        var ids = page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
        var counted = page.GetProperty("statusCounts").EnumerateObject().Sum(c => c.Value.GetInt32());
        if (!ids.SequenceEqual(expected) || counted != expected.Count)
        {
            throw new InvalidOperationException($"{what} listed {ids.Count} runs and counted {counted}, not the {expected.Count} seeded.");
        }
    }

    internal static async Task<double> MedianAsync(HttpClient http, string url, int times)
    {
        await http.GetStringAsync(url);
        var samples = new List<double>();
        for (var i = 0; i < times; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await http.GetAsync(url);
            await response.Content.ReadAsByteArrayAsync();
            response.EnsureSuccessStatusCode();
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }
        samples.Sort();
        return samples[samples.Count / 2];
    }
}
