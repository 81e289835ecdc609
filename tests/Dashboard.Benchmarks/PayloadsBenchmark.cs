using System.Globalization;
using System.Text;
using Dashboard.Testing;

namespace Dashboard.Benchmarks;

/// <summary>
/// What ingesting structured payloads costs the runs service: steps whose input and output are JSON made of many small
/// values (a tool's rows, search results, records a step read), the shape that costs most per byte to parse and write,
/// at three sizes under the default snapshot limit (256 KB). Service CPU per step and per MB of payload, on SQLite.
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

    public static async Task RunAsync()
    {
        var rows = new List<(int Size, double CpuPerStep, double CpuPerMb)>();
        await using var service = await LoneRunsService.StartAsync();
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        var cpuSoFar = LoneRunsService.CpuOf(service);
        // Warm-up: the code paths once, at every size, not counted.
        foreach (var size in Sizes)
        {
            await IngestAsync(http, $"warm-{size}", size, runs: 4);
        }
        foreach (var size in Sizes)
        {
            var perStep = new List<double>();
            var runs = RunsOf(size);
            for (var round = 0; round < Rounds; round++)
            {
                await CatchUpSearchAsync(http);
                var before = cpuSoFar();
                await IngestAsync(http, $"r{round}-{size}", size, runs);
                // The search index is made behind ingestion: a search catches it up, so its cost is in the round.
                await CatchUpSearchAsync(http);
                perStep.Add((cpuSoFar() - before).TotalMilliseconds / (runs * StepsPerRun));
            }
            perStep.Sort();
            var median = perStep[Rounds / 2];
            // Each step carries an input and an output of this size.
            rows.Add((size, median, median / (2.0 * size / (1024 * 1024))));
            Console.WriteLine($"{size / 1024} KB: {median:N3} ms per step ({string.Join(" / ", perStep.Select(p => p.ToString("N3", CultureInfo.InvariantCulture)))})");
        }
        var report = Report(rows);
        var path = Path.Combine(RepoPaths.Root, "tests", "Dashboard.Benchmarks", "results", "ingest-payloads.md");
        if (Environment.GetEnvironmentVariable("PAYLOADS_NO_TABLE") is not "1")
        {
            await File.WriteAllTextAsync(path, report);
        }
        Console.WriteLine(report);
    }

    private static int RunsOf(int size) => Math.Max(Writers, BytesPerRound / (2 * size * StepsPerRun));

    private static async Task CatchUpSearchAsync(HttpClient http)
    {
        using var response = await http.GetAsync("api/search?q=nowhere-to-be-found");
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadAsStringAsync();
        if (body.Contains("\"indexBehind\":true", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The search index did not catch up within a search's wait.");
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

    private static string Report(List<(int Size, double CpuPerStep, double CpuPerMb)> rows)
    {
        var r = new StringBuilder();
        r.AppendLine("# Ingesting structured payloads");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on this machine ({Environment.ProcessorCount} cores) by");
        r.AppendLine("`dotnet run -c Release --project tests/Dashboard.Benchmarks -- ingest-payloads`: the runs service on SQLite, on loopback.");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"Each run is one batch: started, {StepsPerRun} steps each started with an input and completed with an output of the size below, completed; about {BytesPerRound / (1024 * 1024)} MB of payloads a round, {Writers} writers at once; the search index (made behind ingestion) caught up by a search at the end of each round, its cost counted in the round. The payloads are records, `{{\"rows\":[{{\"id\":…,\"sku\":\"…\",\"name\":\"…\",\"price\":…,\"inStock\":…,\"tags\":[…]}},…]}}` (about 120 bytes and 9 values a record): many small values, the shape that costs most per byte to read and write. All are under the default snapshot limit (256 KB), so they are stored whole. The service's CPU (user and kernel), the median of {Rounds} rounds after a warm-up:");
        r.AppendLine();
        r.AppendLine("| input and output, each | service CPU per step (ms) | per MB of payload (ms) |");
        r.AppendLine("|---|---:|---:|");
        foreach (var (size, perStep, perMb) in rows)
        {
            r.AppendLine(CultureInfo.InvariantCulture, $"| {size / 1024} KB | {perStep:N3} | {perMb:N1} |");
        }
        return r.ToString();
    }
}
