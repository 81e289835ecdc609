using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dashboard.Testing;
using Microsoft.Data.Sqlite;

namespace Dashboard.Benchmarks;

/// <summary>
/// The reads a wide fleet makes big: 5,000 workflows (one per tenant) and one agent of 20,000 step ids (each tool call a
/// step of its own). Reported through the API on SQLite and on PostgreSQL in one run, then each read timed over HTTP:
/// the health tables a page at a time against the most a caller may ask for, and the workflow picker's search against the
/// whole list it used to load. Writes results/insights-wide.md.
/// </summary>
internal static class WideFleetBenchmark
{
    private const int Tenants = 5_000;
    private const int AgentRuns = 40;
    private const int ToolCallsPerRun = 500;
    private const string Agent = "research-agent";

    private sealed record Read(string Label, string Url);

    public static async Task RunAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var period = $"from={Uri.EscapeDataString(now.AddHours(-24).ToString("O", CultureInfo.InvariantCulture))}&to={Uri.EscapeDataString(now.AddMinutes(5).ToString("O", CultureInfo.InvariantCulture))}";
        Read[] reads =
        [
            new("`GET /api/insights/workflows` (the first 200, the default)", $"api/insights/workflows?{period}"),
            new("`GET /api/insights/workflows?limit=1000` (the most)", $"api/insights/workflows?{period}&limit=1000"),
            new("`GET /api/insights/steps` of the agent (the first 200)", $"api/insights/steps?{period}&workflowId={Agent}"),
            new("`GET /api/insights/steps?limit=1000` of the agent", $"api/insights/steps?{period}&workflowId={Agent}&limit=1000"),
            new("`GET /api/runs/facets` (every workflow, as pickers loaded it before)", "api/runs/facets"),
            new("`GET /api/runs/facets?workflowLimit=51` (the picker opened)", "api/runs/facets?workflowLimit=51"),
            new("`GET /api/runs/facets?workflowSearch=tenant-042&workflowLimit=51` (typed)", "api/runs/facets?workflowSearch=tenant-042&workflowLimit=51"),
        ];
        var sqlite = await MeasureAsync("SQLite", ["--Streams:DatabasePath", "{data}/runs.db"], reads, now);
        List<(double Ms, long Bytes)> postgres;
        await using (var server = await PostgresServer.StartAsync())
        {
            postgres = await MeasureAsync("PostgreSQL", ["--Storage:Provider", "PostgreSql", "--ConnectionStrings:Runs", await server.CreateDatabaseAsync("wide")], reads, now);
        }
        await WriteReportAsync(reads, sqlite, postgres);
    }

    private static async Task<List<(double Ms, long Bytes)>> MeasureAsync(string store, string[] storeArgs, Read[] reads, DateTimeOffset now)
    {
        var data = Directory.CreateTempSubdirectory("wide-bench-").FullName;
        try
        {
            await using var service = await AppProcess.StartAsync("Dashboard.Runs",
                [.. storeArgs, "--Logging:LogLevel:Default", "Warning", "--Runs:RateLimitPerMinute", "100000000"], data);
            using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
            var seed = Stopwatch.StartNew();
            await SeedAsync(http, now);
            Console.WriteLine($"{store}: reported {Tenants + AgentRuns:N0} runs in {seed.Elapsed.TotalSeconds:F0} s");
            // What is timed is checked first: every workflow and every step id is counted.
            var workflows = JsonDocument.Parse(await http.GetStringAsync(reads[0].Url)).RootElement.GetProperty("totalWorkflows").GetInt32();
            var steps = JsonDocument.Parse(await http.GetStringAsync(reads[2].Url)).RootElement.GetProperty("totalSteps").GetInt32();
            if (workflows != Tenants + 1 || steps != AgentRuns * ToolCallsPerRun)
            {
                throw new InvalidOperationException($"{store}: {workflows} workflows and {steps} steps counted, not {Tenants + 1} and {AgentRuns * ToolCallsPerRun}.");
            }
            var results = new List<(double Ms, long Bytes)>();
            foreach (var read in reads)
            {
                var bytes = (await http.GetByteArrayAsync(read.Url)).LongLength;
                var ms = await InsightsBenchmark.MedianAsync(http, read.Url);
                results.Add((ms, bytes));
                Console.WriteLine($"{store,-10} {ms,8:F1} ms {bytes,10:N0} B  {read.Label}");
            }
            return results;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>A failed or completed run per tenant's workflow, and the agent's runs of 500 tool calls each.</summary>
    private static async Task SeedAsync(HttpClient http, DateTimeOffset now)
    {
        string At(int second) => now.AddHours(-2).AddSeconds(second).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        await Parallel.ForAsync(0, Tenants, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, token) =>
        {
            var end = i % 7 == 0
                ? $$$"""{"type":"run_failed","timestamp":"{{{At(i + 2)}}}","error":{"code":"E_SYNC","message":"tenant {{{i}}} refused the sync"}}"""
                : $$"""{"type":"run_completed","timestamp":"{{At(i + 2)}}"}""";
            var body = $$"""
                [{"type":"run_started","timestamp":"{{At(i)}}","workflowId":"tenant-{{i:D4}}-sync","workflowName":"Tenant {{i:D4}} sync"},
                 {"type":"step_started","timestamp":"{{At(i)}}","stepId":"pull"},
                 {"type":"step_completed","timestamp":"{{At(i + 1)}}","stepId":"pull","costUsd":"0.0001"},
                 {{end}}]
                """;
            await PostAsync(http, $"tenant-run-{i}", body, token);
        });
        await Parallel.ForAsync(0, AgentRuns, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (run, token) =>
        {
            var events = new StringBuilder($$"""[{"type":"run_started","timestamp":"{{At(run)}}","workflowId":"{{Agent}}","workflowName":"Research agent"}""");
            for (var call = 0; call < ToolCallsPerRun; call++)
            {
                var step = $"tool-call-{run:D2}-{call:D3}";
                events.Append(CultureInfo.InvariantCulture, $$""",{"type":"step_started","timestamp":"{{At(run + 1)}}","stepId":"{{step}}"}""");
                events.Append(CultureInfo.InvariantCulture, $$""",{"type":"step_completed","timestamp":"{{At(run + 2)}}","stepId":"{{step}}","costUsd":"0.00002","model":"gpt-4o-mini"}""");
            }
            events.Append(CultureInfo.InvariantCulture, $$""",{"type":"run_completed","timestamp":"{{At(run + 3)}}"}]""");
            await PostAsync(http, $"agent-run-{run}", events.ToString(), token);
        });
    }

    private static async Task PostAsync(HttpClient http, string runId, string body, CancellationToken token)
    {
        using var response = await http.PostAsync($"api/runs/{runId}/events", new StringContent(body, Encoding.UTF8, "application/json"), token);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{runId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(token)}");
        }
    }

    private static async Task WriteReportAsync(Read[] reads, List<(double Ms, long Bytes)> sqlite, List<(double Ms, long Bytes)> postgres)
    {
        var report = new StringBuilder();
        report.AppendLine("# Wide fleet benchmark");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on this machine ({Environment.ProcessorCount} cores), over HTTP on loopback against the runs service");
        report.AppendLine("(Release build), SQLite then PostgreSQL in the same run, by `dotnet run -c Release --project tests/Dashboard.Benchmarks -- insights-wide`.");
        report.AppendLine("Each time is the median of 21 requests after 3 warm-up ones, measured by the client; the size is the answer's body.");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Data, reported through `POST /api/runs/{{id}}/events` in the last day: {Tenants:N0} workflows of one run each (one per tenant), and `{Agent}`: {AgentRuns} runs of {ToolCallsPerRun} tool calls, each a step of its own ({AgentRuns * ToolCallsPerRun:N0} step ids). The benchmark checks that every workflow and step id is counted before it times anything.");
        report.AppendLine();
        report.AppendLine("| read | SQLite | bytes | PostgreSQL | bytes | PostgreSQL / SQLite |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|");
        for (var i = 0; i < reads.Length; i++)
        {
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {reads[i].Label} | {sqlite[i].Ms:F1} ms | {sqlite[i].Bytes:N0} | {postgres[i].Ms:F1} ms | {postgres[i].Bytes:N0} | {postgres[i].Ms / sqlite[i].Ms:F2}x |");
        }
        await ResultsFile.WriteAsync("insights-wide.md", report.ToString());
        Console.WriteLine(report);
    }
}
