using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dashboard.Testing;

namespace Dashboard.Benchmarks;

/// <summary>
/// A step polled hundreds of times (an engine waiting on something reports each try as an attempt, in a batch of its own):
/// what each further attempt costs the runs service, early in the step and late. A cost that grows with the attempts
/// already there shows as a ratio above 1, which holds on a noisy machine where the times do not. Writes
/// results/ingest-retries.md.
/// </summary>
internal static class RetriesBenchmark
{
    private const int Writers = 4;
    private const int Attempts = 400;
    private const int Slice = 100;

    public static async Task RunAsync()
    {
        await using var service = await LoneRunsService.StartAsync();
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        var cpuSoFar = LoneRunsService.CpuOf(service);

        // Warm-up: one run of the same shape, not measured.
        await ReportAsync(http, "retries-warmup", 0, Slice);
        var slices = new TimeSpan[Attempts / Slice];
        var wall = new TimeSpan[slices.Length];
        for (var s = 0; s < slices.Length; s++)
        {
            var first = s * Slice + 1;
            var cpuBefore = cpuSoFar();
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => ReportAsync(http, $"retries-{w}", first, Slice)));
            wall[s] = watch.Elapsed;
            slices[s] = cpuSoFar() - cpuBefore;
            Console.WriteLine($"attempts {first}-{first + Slice - 1}: {slices[s].TotalMilliseconds / (Writers * Slice):N2} ms CPU per attempt");
        }

        var report = Report(slices, wall);
        await ResultsFile.WriteAsync("ingest-retries.md", report);
        Console.WriteLine(report);
    }

    /// <summary>Attempts <paramref name="first"/> to first + count - 1 of the run's one step, each a batch: started with its input, failed with its error.</summary>
    private static async Task ReportAsync(HttpClient http, string runId, int first, int count)
    {
        var url = $"api/runs/{runId}/events";
        if (first <= 1)
        {
            await LoneRunsService.PostAsync(http, url, $$$"""[{"type":"run_started","timestamp":"{{{LoneRunsService.Ts(0)}}}","workflowId":"wf-poll","workflowName":"Wait for settlement","triggerType":"api","input":{"order":"ORD-1"}}]""");
            first = 1;
        }
        var input = new string('i', 1024);
        var data = new string('d', 512);
        for (var attempt = first; attempt < first + count; attempt++)
        {
            await LoneRunsService.PostAsync(http, url, $$$"""
                [{"type":"step_started","timestamp":"{{{LoneRunsService.Ts(attempt * 2)}}}","stepId":"wait-for-settlement","attempt":{{{attempt}}},"input":{"order":"ORD-1","try":{{{attempt}}},"note":"{{{input}}}"}},
                 {"type":"step_failed","timestamp":"{{{LoneRunsService.Ts(attempt * 2 + 1)}}}","stepId":"wait-for-settlement","attempt":{{{attempt}}},"willRetry":true,"error":{"code":"NOT_SETTLED","message":"settlement pending (try {{{attempt}}})","data":{"state":"pending","detail":"{{{data}}}"} } }]
                """);
        }
    }

    private static string Report(TimeSpan[] cpu, TimeSpan[] wall)
    {
        var r = new StringBuilder();
        r.AppendLine("# A step polled hundreds of times");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on this machine ({Environment.ProcessorCount} cores) by");
        r.AppendLine("`dotnet run -c Release --project tests/Dashboard.Benchmarks -- ingest-retries`, the runs service on SQLite, on loopback.");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"{Writers} runs at once, each with one step reported {Attempts} times (an engine polling: each try an attempt, in a batch of its own, started with a 1 KB input and failed with an error and 0.5 KB of data). The service's CPU (user and kernel) per attempt, by the attempts the step already had:");
        r.AppendLine();
        r.AppendLine("| attempts | service CPU per attempt (ms) | wall time per attempt and run (ms) |");
        r.AppendLine("|---|---:|---:|");
        for (var s = 0; s < cpu.Length; s++)
        {
            r.AppendLine(CultureInfo.InvariantCulture, $"| {s * Slice + 1}–{(s + 1) * Slice} | {cpu[s].TotalMilliseconds / (Writers * Slice):N2} | {wall[s].TotalMilliseconds / Slice:N2} |");
        }
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"CPU per attempt, the last {Slice} against the first {Slice}: **{cpu[^1].TotalMilliseconds / cpu[0].TotalMilliseconds:F2}x** (1 when an attempt costs the same however many came before it).");
        return r.ToString();
    }
}
