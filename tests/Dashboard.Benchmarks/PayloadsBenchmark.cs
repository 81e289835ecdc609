using System.Globalization;
using System.Text;
using Dashboard.Testing;

namespace Dashboard.Benchmarks;

/// <summary>
/// What ingesting structured payloads costs the runs service: steps whose input and output are JSON made of many small
/// values (a tool's rows, search results, records a step read), the shape that costs most per byte to parse and write,
/// at three sizes under the default snapshot limit (256 KB). Service CPU per step and per MB of payload, on SQLite and on
/// PostgreSQL (its own processes counted apart).
/// Writes results/ingest-payloads.md.
/// </summary>
internal static class PayloadsBenchmark
{
    private static readonly int[] Sizes = [8 * 1024, 64 * 1024, 200 * 1024];
    // Each round ingests about this much payload, so that a round of small payloads is not over before it can be timed.
    private const int BytesPerRound = 32 * 1024 * 1024;
    private const int StepsPerRun = 10;
    private const int Writers = 4;
    private const int Rounds = 3;

    private sealed record Row(int Size, double CpuPerStep, double CpuPerMb, double? DatabaseCpuPerStep);

    /// <summary>
    /// PAYLOADS_WITHOUT_SEARCH=1, a quick look that writes no table: PostgreSQL alone with its search index left unmade (the
    /// background indexer's interval a day, and no search), so that what the index costs is the difference.
    /// </summary>
    private static bool WithoutSearch => Environment.GetEnvironmentVariable("PAYLOADS_WITHOUT_SEARCH") is "1";

    public static async Task RunAsync()
    {
        List<Row> sqlite = [], postgres;
        if (!WithoutSearch)
        {
            await using var service = await LoneRunsService.StartAsync();
            sqlite = await MeasureAsync("SQLite", service, databaseCpu: null);
        }
        await using (var server = await PostgresServer.StartAsync())
        await using (var service = await AppProcess.StartAsync("Dashboard.Runs",
            ["--Storage:Provider", "PostgreSql", "--ConnectionStrings:Runs", await server.CreateDatabaseAsync("payloads"), .. LoneRunsService.Quiet,
             .. WithoutSearch ? (string[])["--Runs:SearchIndexIntervalMs", "86400000"] : []]))
        {
            postgres = await MeasureAsync("PostgreSQL", service, server.ProcessorTime);
        }
        if (WithoutSearch)
        {
            return;
        }
        var report = Report(sqlite, postgres);
        if (Environment.GetEnvironmentVariable("PAYLOADS_NO_TABLE") is not "1")
        {
            await ResultsFile.WriteAsync("ingest-payloads.md", report);
        }
        Console.WriteLine(report);
    }

    private static async Task<List<Row>> MeasureAsync(string store, AppProcess service, Func<TimeSpan>? databaseCpu)
    {
        var rows = new List<Row>();
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        var cpuSoFar = LoneRunsService.CpuOf(service);
        // Warm-up: the code paths once, at every size, not counted.
        foreach (var size in Sizes)
        {
            await IngestAsync(http, $"warm-{size}", size, runs: 4);
        }
        foreach (var size in Sizes)
        {
            var rounds = new List<(double Service, double Database)>();
            var runs = RunsOf(size);
            for (var round = 0; round < Rounds; round++)
            {
                await CatchUpSearchAsync(http);
                var (before, databaseBefore) = (cpuSoFar(), databaseCpu?.Invoke() ?? TimeSpan.Zero);
                await IngestAsync(http, $"r{round}-{size}", size, runs);
                // The search index is made behind ingestion: a search catches it up, so its cost is in the round.
                await CatchUpSearchAsync(http);
                var steps = runs * StepsPerRun;
                rounds.Add(((cpuSoFar() - before).TotalMilliseconds / steps, ((databaseCpu?.Invoke() ?? TimeSpan.Zero) - databaseBefore).TotalMilliseconds / steps));
            }
            rounds.Sort((a, b) => a.Service.CompareTo(b.Service));
            var (median, database) = rounds[Rounds / 2];
            // Each step carries an input and an output of this size.
            rows.Add(new Row(size, median, median / (2.0 * size / (1024 * 1024)), databaseCpu is null ? null : database));
            Console.WriteLine($"{store}, {size / 1024} KB: {median:N3} ms per step ({string.Join(" / ", rounds.Select(p => p.Service.ToString("N3", CultureInfo.InvariantCulture)))})"
                + (databaseCpu is null ? "" : $", the database's {database:N3} ms"));
        }
        return rows;
    }

    private static int RunsOf(int size) => Math.Max(Writers, BytesPerRound / (2 * size * StepsPerRun));

    private static async Task CatchUpSearchAsync(HttpClient http)
    {
        if (WithoutSearch)
        {
            return;
        }
        // A search waits for the index at most Runs:SearchCatchUpMs, then says it answered from an index still behind.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var response = await http.GetAsync("api/search?q=nowhere-to-be-found");
            response.EnsureSuccessStatusCode();
            if (!(await response.Content.ReadAsStringAsync()).Contains("\"indexBehind\":true", StringComparison.Ordinal))
            {
                return;
            }
            if (clock.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new InvalidOperationException("The search index did not catch up in 5 minutes.");
            }
        }
    }

    private static async Task IngestAsync(HttpClient http, string prefix, int size, int runs)
    {
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(async _ =>
        {
            for (var run = Interlocked.Increment(ref next) - 1; run < runs; run = Interlocked.Increment(ref next) - 1)
            {
                await LoneRunsService.PostAsync(http, $"api/runs/payloads-{prefix}-{run}/events", Run(run, size));
            }
        }));
    }

    /// <summary>A whole run in one batch: started, its steps each started with an input and completed with an output, completed.</summary>
    private static string Run(int run, int size)
    {
        var events = new List<string>
        {
            $$$"""{"type":"run_started","timestamp":"{{{LoneRunsService.Ts(0)}}}","workflowId":"wf-payloads","workflowName":"Price scrape","triggerType":"api"}""",
        };
        for (var step = 0; step < StepsPerRun; step++)
        {
            events.Add($$$"""{"type":"step_started","timestamp":"{{{LoneRunsService.Ts(step * 2 + 1)}}}","stepId":"fetch-{{{step}}}","input":{{{Records(run * 100 + step, size)}}}}""");
            events.Add($$$"""{"type":"step_completed","timestamp":"{{{LoneRunsService.Ts(step * 2 + 2)}}}","stepId":"fetch-{{{step}}}","output":{{{Records(run * 100 + step + 50, size)}}}}""");
        }
        events.Add($$$"""{"type":"run_completed","timestamp":"{{{LoneRunsService.Ts(StepsPerRun * 2 + 1)}}}"}""");
        return "[" + string.Join(",", events) + "]";
    }

    /// <summary>About <paramref name="size"/> bytes of records: {"rows":[{"id":…,"sku":"…","name":"…","price":…,"inStock":…,"tags":[…]},…]}.</summary>
    internal static string Records(int seed, int size)
    {
        var json = new StringBuilder("{\"rows\":[");
        for (var i = 0; json.Length < size - 100; i++)
        {
            if (i > 0)
            {
                json.Append(',');
            }
            json.Append(CultureInfo.InvariantCulture,
                $$"""{"id":{{seed * 10_000 + i}},"sku":"SKU-{{seed}}-{{i}}","name":"Item {{i}} of shop {{seed % 7}}","price":{{(i % 500) * 1.25 + 0.99}},"inStock":{{(i % 3 != 0 ? "true" : "false")}},"tags":["t{{i % 5}}","s{{seed % 3}}"]}""");
        }
        return json.Append("]}").ToString();
    }

    private static string Report(List<Row> sqlite, List<Row> postgres)
    {
        var r = new StringBuilder();
        r.AppendLine("# Ingesting structured payloads");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on this machine ({Environment.ProcessorCount} cores) by");
        r.AppendLine("`dotnet run -c Release --project tests/Dashboard.Benchmarks -- ingest-payloads`: the runs service on SQLite, then on PostgreSQL");
        r.AppendLine("15 (started by the benchmark, `fsync=off`), on loopback.");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"Each run is one batch: started, {StepsPerRun} steps each started with an input and completed with an output of the size below, completed; about {BytesPerRound / (1024 * 1024)} MB of payloads a round, {Writers} writers at once; the search index (made behind ingestion) caught up by searches at the end of each round, its cost counted in the round. The payloads are records, `{{\"rows\":[{{\"id\":…,\"sku\":\"…\",\"name\":\"…\",\"price\":…,\"inStock\":…,\"tags\":[…]}},…]}}` (about 120 bytes and 9 values a record): many small values, the shape that costs most per byte to read and write. All are under the default snapshot limit (256 KB), so they are stored whole. CPU (user and kernel), the median of {Rounds} rounds after a warm-up:");
        r.AppendLine();
        r.AppendLine("| input and output, each | SQLite: service CPU per step (ms) | per MB of payload (ms) | PostgreSQL: service CPU per step (ms) | PostgreSQL's processes per step (ms) | PostgreSQL: both, per MB (ms) |");
        r.AppendLine("|---|---:|---:|---:|---:|---:|");
        for (var i = 0; i < sqlite.Count; i++)
        {
            var (lite, pg) = (sqlite[i], postgres[i]);
            var both = (pg.CpuPerStep + (pg.DatabaseCpuPerStep ?? 0)) / (2.0 * pg.Size / (1024 * 1024));
            r.AppendLine(CultureInfo.InvariantCulture, $"| {lite.Size / 1024} KB | {lite.CpuPerStep:N3} | {lite.CpuPerMb:N1} | {pg.CpuPerStep:N3} | {pg.DatabaseCpuPerStep:N3} | {both:N1} |");
        }
        return r.ToString();
    }
}
