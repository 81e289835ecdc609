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
        Measured sqlite, postgres;
        await using (var service = await LoneRunsService.StartAsync())
        {
            sqlite = await MeasureAsync(service);
        }
        await using (var server = await PostgresServer.StartAsync())
        await using (var service = await AppProcess.StartAsync("Dashboard.Runs",
            ["--Storage:Provider", "PostgreSql", "--ConnectionStrings:Runs", await server.CreateDatabaseAsync("open_runs"), .. LoneRunsService.Quiet]))
        {
            postgres = await MeasureAsync(service);
        }

        var report = Report(sqlite, postgres);
        await ResultsFile.WriteAsync("ingest-open-runs.md", report);
        Console.WriteLine(report);
    }

    private sealed record Measured(double StartMb, double PeakMb, TimeSpan Cpu, TimeSpan Wall);

    private static async Task<Measured> MeasureAsync(AppProcess service)
    {
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
        var measured = new Measured(startMb, IngestBenchmark.PeakResidentMb(service) ?? 0, cpuSoFar() - cpuBefore, watch.Elapsed);
        Console.WriteLine($"peak {measured.PeakMb:N0} MB (at start {startMb:N0}), CPU {measured.Cpu.TotalMilliseconds / Steps:N3} ms per step, {measured.Wall.TotalSeconds:N1} s");
        return measured;
    }

    private const int Steps = Runs * Batches * StepsPerBatch;

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

    private static string Report(Measured sqlite, Measured postgres)
    {
        var heldMb = (double)Steps * 2 * PayloadBytes / (1024 * 1024);
        var r = new StringBuilder();
        r.AppendLine("# Many runs open at once, with payloads");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on this machine ({Environment.ProcessorCount} cores) by");
        r.AppendLine("`dotnet run -c Release --project tests/Dashboard.Benchmarks -- ingest-open-runs`: the runs service on SQLite, then on PostgreSQL");
        r.AppendLine("15 (started by the benchmark, `fsync=off`), on loopback.");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"{Runs} runs started and none ended; each reported in {Batches} batches of {StepsPerBatch} steps (started with a {PayloadBytes / 1024} KB input, completed with a {PayloadBytes / 1024} KB output), batch by batch across the runs, {Writers} writers at once: {Steps:N0} steps, {heldMb:N0} MB of payloads in all.");
        r.AppendLine();
        r.AppendLine("| measure | SQLite | PostgreSQL |");
        r.AppendLine("|---|---:|---:|");
        r.AppendLine(CultureInfo.InvariantCulture, $"| service peak resident memory after the runs' batches (MB) | {sqlite.PeakMb:N0} | {postgres.PeakMb:N0} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| the same before the first batch (MB) | {sqlite.StartMb:N0} | {postgres.StartMb:N0} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| service CPU per step (ms) | {sqlite.Cpu.TotalMilliseconds / Steps:N3} | {postgres.Cpu.TotalMilliseconds / Steps:N3} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| wall time (s) | {sqlite.Wall.TotalSeconds:N1} | {postgres.Wall.TotalSeconds:N1} |");
        r.AppendLine();
        r.AppendLine("Peak resident memory: the process's high-water mark (`VmHWM`). CPU: the runs service's user and kernel time over the batches (PostgreSQL's own processes not counted).");
        return r.ToString();
    }
}
