using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dashboard.Testing;

namespace Dashboard.Benchmarks;

/// <summary>
/// Many runs open at once, each with steps that carry snapshot-sized payloads (agents: prompts in, completions out): the
/// runs service's memory while they are all still running, and its CPU per step. Between batches the service keeps each
/// open run's state to reduce the next batch on; what that state holds per ended step is what this measures. Writes
/// results/ingest-open-runs.md.
/// </summary>
internal static class OpenRunsBenchmark
{
    private const int Runs = 100;
    private const int Batches = 10;
    private const int StepsPerBatch = 20;
    private const int PayloadBytes = 8 * 1024;
    private const int Writers = 8;

    public static async Task RunAsync()
    {
        await using var service = await LoneRunsService.StartAsync();
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        var cpuSoFar = LoneRunsService.CpuOf(service);

        var startMb = IngestBenchmark.PeakResidentMb(service) ?? 0;
        var cpuBefore = cpuSoFar();
        var watch = Stopwatch.StartNew();
        // Batch by batch across all the runs, so that every run is open (started, not ended) the whole time.
        for (var batch = 0; batch < Batches; batch++)
        {
            var next = 0;
            await Task.WhenAll(Enumerable.Range(0, Writers).Select(async _ =>
            {
                for (var run = Interlocked.Increment(ref next) - 1; run < Runs; run = Interlocked.Increment(ref next) - 1)
                {
                    await LoneRunsService.PostAsync(http, $"api/runs/open-{run}/events", Batch(batch, run));
                }
            }));
        }
        var wall = watch.Elapsed;
        var cpu = cpuSoFar() - cpuBefore;
        var peakMb = IngestBenchmark.PeakResidentMb(service) ?? 0;
        var heldMb = (double)Runs * Batches * StepsPerBatch * 2 * PayloadBytes / (1024 * 1024);
        Console.WriteLine($"peak {peakMb:N0} MB (at start {startMb:N0}), CPU {cpu.TotalMilliseconds / (Runs * Batches * StepsPerBatch):N3} ms per step, {wall.TotalSeconds:N1} s");

        var report = Report(startMb, peakMb, heldMb, cpu, wall);
        var path = Path.Combine(RepoPaths.Root, "tests", "Dashboard.Benchmarks", "results", "ingest-open-runs.md");
        await File.WriteAllTextAsync(path, report);
        Console.WriteLine(report);
    }

    /// <summary>One batch of a run: its start first, then <see cref="StepsPerBatch"/> steps started with an input and completed with an output.</summary>
    private static string Batch(int batch, int run)
    {
        var events = new List<string>();
        if (batch == 0)
        {
            events.Add($$$"""{"type":"run_started","timestamp":"{{{LoneRunsService.Ts(0)}}}","workflowId":"wf-agent","workflowName":"Research agent","triggerType":"api"}""");
        }
        var prompt = new string('p', PayloadBytes);
        var completion = new string('c', PayloadBytes);
        for (var s = 0; s < StepsPerBatch; s++)
        {
            var step = batch * StepsPerBatch + s;
            events.Add($$$"""{"type":"step_started","timestamp":"{{{LoneRunsService.Ts(step * 2 + 1)}}}","stepId":"call-{{{step}}}","input":{"run":{{{run}}},"prompt":"{{{prompt}}}"}}""");
            events.Add($$$"""{"type":"step_completed","timestamp":"{{{LoneRunsService.Ts(step * 2 + 2)}}}","stepId":"call-{{{step}}}","modelUsed":"gpt-4o","tokens":{"prompt":2000,"completion":2000,"total":4000},"costUsd":0.01,"output":{"completion":"{{{completion}}}"}}""");
        }
        return "[" + string.Join(",", events) + "]";
    }

    private static string Report(double startMb, double peakMb, double heldMb, TimeSpan cpu, TimeSpan wall)
    {
        var steps = Runs * Batches * StepsPerBatch;
        var r = new StringBuilder();
        r.AppendLine("# Many runs open at once, with payloads");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on this machine ({Environment.ProcessorCount} cores) by");
        r.AppendLine("`dotnet run -c Release --project tests/Dashboard.Benchmarks -- ingest-open-runs`, the runs service on SQLite, on loopback.");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"{Runs} runs started and none ended; each reported in {Batches} batches of {StepsPerBatch} steps (started with a {PayloadBytes / 1024} KB input, completed with a {PayloadBytes / 1024} KB output), batch by batch across the runs, {Writers} writers at once: {steps:N0} steps, {heldMb:N0} MB of payloads in all.");
        r.AppendLine();
        r.AppendLine("| measure | value |");
        r.AppendLine("|---|---:|");
        r.AppendLine(CultureInfo.InvariantCulture, $"| service peak resident memory after the runs' batches (MB) | {peakMb:N0} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| the same before the first batch (MB) | {startMb:N0} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| service CPU per step (ms) | {cpu.TotalMilliseconds / steps:N3} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| wall time (s) | {wall.TotalSeconds:N1} |");
        r.AppendLine();
        r.AppendLine("Peak resident memory: the process's high-water mark (`VmHWM`). CPU: the process's user and kernel time over the batches.");
        return r.ToString();
    }
}
