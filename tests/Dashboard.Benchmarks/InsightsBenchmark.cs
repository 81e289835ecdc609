using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dashboard.Model.Insights;
using Dashboard.Testing;
using Microsoft.Data.Sqlite;

namespace Dashboard.Benchmarks;

/// <summary>
/// The insights routes over a million runs and ten million attempts spread over 30 days (20 workflows of 10 steps):
/// each route for the last 30 days, 7 days and 24 hours, timed over HTTP against the real runs service. Writes
/// results/insights.md.
/// </summary>
internal static class InsightsBenchmark
{
    private const int Runs = 1_000_000;
    private const int Workflows = 20;
    private const int StepsPerRun = 10;
    private const int Days = 30;
    private static readonly int[] Grains = [1, 60, 1440];
    private static readonly int[] StepGrains = [60, 1440];

    public static async Task RunAsync()
    {
        var data = Directory.CreateTempSubdirectory("insights-bench-").FullName;
        string[] args = ["--Streams:DatabasePath", "{data}/runs.db", "--Logging:LogLevel:Default", "Warning", "--Runs:RateLimitPerMinute", "100000000"];
        var now = DateTimeOffset.UtcNow;
        try
        {
            // The service makes the schema; the aggregates are then written as ingest would have left them.
            await using (var service = await AppProcess.StartAsync("Dashboard.Runs", args, data))
            {
                await service.KillAsync();
            }
            var seed = Stopwatch.StartNew();
            var (rows, expectedCost) = Seed(Path.Combine(data, "runs.db"), now);
            seed.Stop();
            Console.WriteLine($"seeded {Runs:N0} runs ({rows:N0} aggregate rows) in {seed.Elapsed.TotalSeconds:F0} s");

            var results = new List<(string Route, string Period, double Ms)>();
            await using (var service = await AppProcess.StartAsync("Dashboard.Runs", args, data))
            {
                using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
                // The seeding is checked against the service before anything is timed: every run counted, cost exact.
                var check = JsonDocument.Parse(await http.GetStringAsync(Url("summary", now.AddDays(-Days - 1), now.AddMinutes(1), null))).RootElement;
                if (check.GetProperty("runs").GetInt64() != Runs || check.GetProperty("costUsd").GetString() != expectedCost.ToString(CultureInfo.InvariantCulture))
                {
                    throw new InvalidOperationException($"The seeded aggregates do not read back as seeded: {check}");
                }
                // And the models' rows: their costs add up to the runs' (every priced step is a model call).
                var byModel = JsonDocument.Parse(await http.GetStringAsync(Url("models", now.AddDays(-Days - 1), now.AddMinutes(1), null))).RootElement.GetProperty("models");
                var modelsCost = byModel.EnumerateArray().Sum(m => decimal.Parse(m.GetProperty("costUsd").GetString()!, CultureInfo.InvariantCulture));
                if (byModel.GetArrayLength() != Models.Length || modelsCost != expectedCost)
                {
                    throw new InvalidOperationException($"The seeded models do not read back as seeded: {byModel}");
                }
                foreach (var (period, span) in (ValueTuple<string, TimeSpan>[])[("30 days", TimeSpan.FromDays(Days)), ("7 days", TimeSpan.FromDays(7)), ("24 hours", TimeSpan.FromHours(24))])
                {
                    foreach (var route in (string[])["summary", "timeseries", "workflows", "failures", "steps", "models"])
                    {
                        var url = Url(route, now - span, now, route == "steps" ? "wf-07" : null);
                        var ms = await MedianAsync(http, url);
                        results.Add(($"`GET /api/insights/{route}`{(route == "steps" ? " (one workflow)" : "")}", period, ms));
                        Console.WriteLine($"{route,-10} {period,-8} {ms,8:F1} ms");
                    }
                }
            }
            await WriteReportAsync(results, rows, seed.Elapsed);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    private static string Url(string route, DateTimeOffset from, DateTimeOffset to, string? workflow) =>
        $"api/insights/{route}?from={Uri.EscapeDataString(from.ToString("O", CultureInfo.InvariantCulture))}&to={Uri.EscapeDataString(to.ToString("O", CultureInfo.InvariantCulture))}"
        + (workflow is null ? "" : $"&workflowId={workflow}");

    /// <summary>The median of 21 timed reads after 3 untimed ones.</summary>
    internal static async Task<double> MedianAsync(HttpClient http, string url)
    {
        for (var i = 0; i < 3; i++)
        {
            (await http.GetAsync(url)).EnsureSuccessStatusCode();
        }
        var times = new List<double>();
        for (var i = 0; i < 21; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await http.GetAsync(url);
            await response.Content.ReadAsByteArrayAsync();
            watch.Stop();
            response.EnsureSuccessStatusCode();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        return times.Order().ElementAt(times.Count / 2);
    }

    private sealed class RunSums
    {
        public long Runs, Completed, Failed, Cancelled, Timeout, CostPico, Prompt, Cached, Completion;
    }

    private sealed class ModelSums
    {
        public long Calls, Failed, CostPico, Prompt, Cached, Completion;
    }

    private static readonly string[] Models = ["gpt-4o", "gpt-4o-mini", "claude-3-5-haiku", "claude-sonnet-4", "text-embedding-3-small"];

    private sealed class StepSums
    {
        public long Attempts, Retries, Failed, CostPico, Prompt, Cached, Completion;
    }

    private static long Bucket(DateTimeOffset time, int grain)
    {
        var size = grain * 60_000L;
        var ms = time.ToUnixTimeMilliseconds();
        return ms - (ms % size);
    }

    /// <summary>
    /// A million runs, generated with a fixed seed, folded into the insights tables' rows in memory (what the writer's
    /// upserts add up to) and written in one transaction.
    /// </summary>
    private static (long Rows, decimal Cost) Seed(string database, DateTimeOffset now)
    {
        var random = new Random(42);
        var runs = new Dictionary<(int, long, int), RunSums>();
        var steps = new Dictionary<(int, long, int, int), StepSums>();
        var models = new Dictionary<(int, long, int, int), ModelSums>();
        var durations = new Dictionary<(int, long, int, int, int), long>();
        var failures = new Dictionary<(int, long, string), (int Workflow, long Count)>();
        var groups = new Dictionary<string, (int Workflow, int Step, string Code, string Message, long First, long Last, string Example)>();
        var start0 = now.AddDays(-Days);
        long totalCostPico = 0;
        for (var i = 0; i < Runs; i++)
        {
            var workflow = i % Workflows;
            var start = start0.AddMilliseconds(random.NextInt64((long)TimeSpan.FromDays(Days).TotalMilliseconds));
            var roll = random.NextDouble();
            var status = roll < 0.05 ? "failed" : roll < 0.07 ? "timeout" : roll < 0.08 ? "cancelled" : "completed";
            var runDuration = 0L;
            long runCost = 0, prompt = 0, cached = 0, completion = 0;
            var failingStep = status == "failed" ? random.Next(StepsPerRun) : -1;
            for (var step = 0; step < StepsPerRun; step++)
            {
                // Nine steps once, and step 3 retried once: ten attempts per run.
                var attempts = step == 3 ? 2 : 1;
                for (var attempt = 1; attempt <= attempts; attempt++)
                {
                    var duration = (long)(50 * Math.Exp(random.NextDouble() * 4)) * (step + 1);
                    runDuration += duration;
                    var failed = (attempt < attempts) || step == failingStep;
                    var cost = step % 3 == 0 ? 1_000_000L * random.Next(1, 500) : 0L;   // 0.000001-0.0005 USD
                    var (p, c, o) = step % 3 == 0 ? (random.Next(100, 4000), random.Next(0, 100), random.Next(10, 400)) : (0, 0, 0);
                    runCost += cost;
                    (prompt, cached, completion) = (prompt + p, cached + c, completion + o);
                    foreach (var grain in StepGrains)
                    {
                        var b = Bucket(start, grain);
                        var sums = steps.TryGetValue((grain, b, workflow, step), out var found) ? found : steps[(grain, b, workflow, step)] = new StepSums();
                        sums.Attempts++;
                        sums.Retries += attempt > 1 ? 1 : 0;
                        sums.Failed += failed ? 1 : 0;
                        sums.CostPico += cost;
                        (sums.Prompt, sums.Cached, sums.Completion) = (sums.Prompt + p, sums.Cached + c, sums.Completion + o);
                        var key = (grain, b, workflow, step + 1, DurationHistogram.BinOf(duration));
                        durations[key] = durations.GetValueOrDefault(key) + 1;
                    }
                    // The priced steps are model calls, each workflow's on a mix of the five models; models are kept in
                    // every grain, as runs are.
                    for (var g = 0; step % 3 == 0 && g < Grains.Length; g++)
                    {
                        var (grain, model) = (Grains[g], (workflow + step) % Models.Length);
                        var b = Bucket(start, grain);
                        var usage = models.TryGetValue((grain, b, workflow, model), out var had) ? had : models[(grain, b, workflow, model)] = new ModelSums();
                        usage.Calls++;
                        usage.Failed += failed ? 1 : 0;
                        usage.CostPico += cost;
                        (usage.Prompt, usage.Cached, usage.Completion) = (usage.Prompt + p, usage.Cached + c, usage.Completion + o);
                    }
                }
            }
            totalCostPico += runCost;
            foreach (var grain in Grains)
            {
                var b = Bucket(start, grain);
                var sums = runs.TryGetValue((grain, b, workflow), out var found) ? found : runs[(grain, b, workflow)] = new RunSums();
                sums.Runs++;
                switch (status)
                {
                    case "completed": sums.Completed++; break;
                    case "failed": sums.Failed++; break;
                    case "timeout": sums.Timeout++; break;
                    default: sums.Cancelled++; break;
                }
                sums.CostPico += runCost;
                (sums.Prompt, sums.Cached, sums.Completion) = (sums.Prompt + prompt, sums.Cached + cached, sums.Completion + completion);
                var key = (grain, b, workflow, 0, DurationHistogram.BinOf(runDuration));
                durations[key] = durations.GetValueOrDefault(key) + 1;
            }
            if (status is "failed" or "timeout")
            {
                var code = status == "timeout" ? "TIMEOUT" : $"E_{failingStep % 4}";
                var message = $"upstream {random.Next(500, 504)} from service-{failingStep} for order {random.Next(100_000)}";
                var signature = FailureSignature.Of($"wf-{workflow:00}", status == "failed" ? $"step-{failingStep}" : null, code, FailureSignature.Normalize(message));
                var at = start.AddMilliseconds(runDuration).ToUnixTimeMilliseconds();
                groups[signature] = groups.TryGetValue(signature, out var g)
                    ? g with { First = Math.Min(g.First, at), Last = Math.Max(g.Last, at), Message = at >= g.Last ? message : g.Message }
                    : (workflow, failingStep, code, message, at, at, $"run-{i}");
                foreach (var grain in Grains)
                {
                    var key = (grain, Bucket(start, grain), signature);
                    failures[key] = (workflow, failures.GetValueOrDefault(key).Count + 1);
                }
            }
        }

        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        long rows = 0;
        void Insert(string sql, IEnumerable<object[]> values)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            SqliteParameter[]? parameters = null;
            foreach (var row in values)
            {
                if (parameters is null)
                {
                    parameters = row.Select((_, i) => command.Parameters.Add(new SqliteParameter { ParameterName = $"$p{i}" })).ToArray();
                    command.Prepare();
                }
                for (var i = 0; i < row.Length; i++)
                {
                    parameters[i].Value = row[i] ?? DBNull.Value;
                }
                command.ExecuteNonQuery();
                rows++;
            }
        }
        static string Wf(int workflow) => $"wf-{workflow:00}";
        // Each row's histogram, as the writer's one-duration-at-a-time additions leave it (bins in order).
        var histograms = durations.GroupBy(d => (d.Key.Item1, d.Key.Item2, d.Key.Item3, d.Key.Item4)).ToDictionary(
            g => g.Key,
            g => g.OrderBy(d => d.Key.Item5).Aggregate(Array.Empty<byte>(), (blob, d) => DurationHistogram.Add(blob, d.Key.Item5, (int)d.Value)));
        // cost_reports (the last column): every run here has a priced step; every third step is priced.
        Insert("INSERT INTO insight_runs VALUES ($p0,$p1,$p2,$p3,0,0,$p4,$p5,$p6,$p7,$p8,$p9,$p10,$p11,$p12,$p3)",
            runs.Select(r => new object[] { r.Key.Item1, r.Key.Item2, Wf(r.Key.Item3), r.Value.Runs, r.Value.Completed, r.Value.Failed, r.Value.Cancelled, r.Value.Timeout, r.Value.CostPico, r.Value.Prompt, r.Value.Cached, r.Value.Completion,
                histograms[(r.Key.Item1, r.Key.Item2, r.Key.Item3, 0)] }));
        Insert("INSERT INTO insight_steps VALUES ($p0,$p1,$p2,$p3,$p4,$p5,$p6,$p7,$p8,$p9,$p10,$p11,$p12,$p13)",
            steps.Select(s => new object[] { s.Key.Item1, s.Key.Item2, Wf(s.Key.Item3), $"step-{s.Key.Item4}", $"Step {s.Key.Item4}", s.Value.Attempts, s.Value.Retries, s.Value.Failed, s.Value.CostPico, s.Value.Prompt, s.Value.Cached, s.Value.Completion,
                histograms[(s.Key.Item1, s.Key.Item2, s.Key.Item3, s.Key.Item4 + 1)], s.Key.Item4 % 3 == 0 ? s.Value.Attempts : 0L }));
        Insert("INSERT INTO insight_models VALUES ($p0,$p1,$p2,$p3,$p4,$p5,$p6,$p4,$p7,$p8,$p9)",
            models.Select(m => new object[] { m.Key.Item1, m.Key.Item2, Wf(m.Key.Item3), Models[m.Key.Item4], m.Value.Calls, m.Value.Failed, m.Value.CostPico, m.Value.Prompt, m.Value.Cached, m.Value.Completion }));
        Insert("INSERT INTO insight_failures VALUES ($p0,$p1,$p2,$p3,$p4)",
            failures.Select(f => new object[] { f.Key.Item1, f.Key.Item2, f.Key.Item3, Wf(f.Value.Workflow), f.Value.Count }));
        Insert("INSERT INTO insight_failure_groups VALUES ($p0,$p1,$p2,$p3,NULL,$p4,$p5,$p6,$p7)",
            groups.Select(g => new object[] { g.Key, Wf(g.Value.Workflow), g.Value.Step < 0 ? null! : $"step-{g.Value.Step}", g.Value.Code, g.Value.Message, g.Value.First, g.Value.Last, JsonSerializer.Serialize(new[] { g.Value.Example }) }));
        Insert("INSERT INTO insight_workflows VALUES ($p0,$p1,$p2,$p3)",
            Enumerable.Range(0, Workflows).Select(w => new object[] { Wf(w), $"Workflow {w}", now.ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds() }));
        transaction.Commit();
        return (rows, totalCostPico / 1_000_000_000_000m);
    }

    private static async Task WriteReportAsync(List<(string Route, string Period, double Ms)> results, long rows, TimeSpan seed)
    {
        var report = new StringBuilder();
        report.AppendLine("# Insights benchmark");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on this machine ({Environment.ProcessorCount} cores), over HTTP on loopback against the runs service");
        report.AppendLine("(Release build, SQLite WAL), by `dotnet run -c Release --project tests/Dashboard.Benchmarks -- insights`. Each time is the median of");
        report.AppendLine("21 requests after 3 warm-up ones, measured by the client.");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Data: {Runs:N0} runs and {Runs * StepsPerRun:N0} attempts over the last {Days} days, {Workflows} workflows of {StepsPerRun} steps (every third a model call, over {Models.Length} models), 8% of runs failed, timed out or cancelled ({rows:N0} aggregate rows). Target: every route ≤ 50 ms for 30 days.");
        report.AppendLine();
        report.AppendLine("| route | 30 days | 7 days | 24 hours |");
        report.AppendLine("|---|---:|---:|---:|");
        foreach (var route in results.Select(r => r.Route).Distinct())
        {
            string Cell(string period) => results.Single(r => r.Route == route && r.Period == period).Ms.ToString("F1", CultureInfo.InvariantCulture) + " ms";
            report.AppendLine(CultureInfo.InvariantCulture, $"| {route} | {Cell("30 days")} | {Cell("7 days")} | {Cell("24 hours")} |");
        }
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"The aggregates were computed in memory from the generated runs, as ingest's upserts add them up, and written straight into the insights tables ({seed.TotalSeconds:F0} s); ingesting a million runs through the API would take about twenty minutes here. Before timing, the benchmark checks that the service reads the seeded runs back exactly (count and cost).");
        await ResultsFile.WriteAsync("insights.md", report.ToString());
        Console.WriteLine(report);
    }
}
