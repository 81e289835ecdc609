using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dashboard.Model.Events;
using Dashboard.Model.Json;
using Dashboard.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Benchmarks;

/// <summary>
/// The live path end to end: an engine posts events to the dashboard's runs API, the service appends them to the run
/// streams, the relay reads them upstream and the hub pushes them to SignalR clients. Measures, per event, the time from
/// the engine starting its POST to a hub client receiving it: at 1,000 events/s spread over 50 runs with 50 clients, and
/// at 5,000 events/s over 200 runs with 200 clients. Writes results/live.md. With <c>--postgresql</c>: the deployment
/// of several instances instead (PostgreSQL, two runs-service instances, the engine posting to one and the dashboard
/// reading from the other), at 1,000 events/s; writes results/live-postgresql.md.
/// </summary>
internal static class LiveBenchmark
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(10);

    private sealed record Load(int Runs, int EventsPerSecond, double P99TargetMs);

    private sealed record Outcome(Load Load, int Total, double SentPerSecond, double P50, double P99, double Max, double PostP50, double PostP99,
        double AfterAckP50, double AfterAckP99, int Lost, int Duplicates, int Errors, IReadOnlyList<double> CpuPerThousand)
    {
        public double ServerCpuPerThousand => CpuPerThousand.Sum();
    }

    /// <summary>A serving process whose CPU the phases measure, by the name its row has in the report.</summary>
    private sealed record ServingProcess(string Name, Func<TimeSpan> Cpu);

    // LIVE_ONLY_1K=1 runs the first load only, LIVE_ONLY_5K=1 the second: a quicker look, printed and not written to
    // results/ (a table of one load would stand where the file's table holds both).
    private static readonly bool QuickLook = Environment.GetEnvironmentVariable("LIVE_ONLY_1K") is not null || Environment.GetEnvironmentVariable("LIVE_ONLY_5K") is not null;
    private static readonly Load[] Loads = Environment.GetEnvironmentVariable("LIVE_ONLY_1K") is not null ? [new(50, 1_000, 30)] : Environment.GetEnvironmentVariable("LIVE_ONLY_5K") is not null ? [new(200, 5_000, 100)] : [new(50, 1_000, 30), new(200, 5_000, 100)];

    private static readonly string[] Quiet = ["--Logging:LogLevel:Default", "Warning", "--Runs:RateLimitPerMinute", "100000000"];

    public static async Task RunAsync(bool postgres = false)
    {
        if (postgres)
        {
            await RunOnPostgreSqlAsync();
            return;
        }
        await using var app = await AppProcess.StartAsync("Dashboard", ["--Storage:DataDirectory", "{data}", "--SampleWorkload:Enabled", "false", .. Quiet]);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 128 }) { BaseAddress = app.BaseAddress };
        ServingProcess[] serving = [new("the dashboard", LoneRunsService.CpuOf(app))];
        await WriteReportAsync(await MeasureAsync(http, app.BaseAddress, Loads, serving), serving, "live.md", EmbeddedSetup);
    }

    private static async Task RunOnPostgreSqlAsync()
    {
        await using var server = await PostgresServer.StartAsync();
        string[] storage = ["--Storage:Provider", "PostgreSql", "--ConnectionStrings:Runs", await server.CreateDatabaseAsync("live"), .. Quiet];
        var services = await Task.WhenAll(AppProcess.StartAsync("Dashboard.Runs", storage), AppProcess.StartAsync("Dashboard.Runs", storage));
        await using var engineSide = services[0];
        await using var viewerSide = services[1];
        await using var dashboard = await AppProcess.StartAsync("Dashboard",
            ["--Storage:DataDirectory", "{data}", "--Backend:BaseUrl", viewerSide.BaseAddress.ToString(), .. storage]);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 128 }) { BaseAddress = engineSide.BaseAddress };
        ServingProcess[] serving =
        [
            new("the service the engines post to", LoneRunsService.CpuOf(engineSide)),
            new("the service the dashboard reads", LoneRunsService.CpuOf(viewerSide)),
            new("the dashboard", LoneRunsService.CpuOf(dashboard)),
            new("PostgreSQL", server.ProcessorTime),
        ];
        await WriteReportAsync(await MeasureAsync(http, dashboard.BaseAddress, [new(50, 1_000, 150)], serving), serving, "live-postgresql.md", PostgreSqlSetup);
    }

    /// <param name="serving">The serving processes, whose CPU is measured (not the engines' and clients').</param>
    private static async Task<List<Outcome>> MeasureAsync(HttpClient engine, Uri dashboard, IEnumerable<Load> loads, IReadOnlyList<ServingProcess> serving)
    {
        var outcomes = new List<Outcome>();
        foreach (var load in loads)
        {
            // The same load on other runs first, unmeasured: the figures are those of a dashboard that has been serving
            // (its code compiled by the tiered JIT, pools and caches filled), not of its first seconds after start.
            await PhaseAsync(dashboard, engine, load, WarmUp, serving);
            outcomes.Add(await PhaseAsync(dashboard, engine, load, Duration, serving));
        }
        return outcomes;
    }

    private static async Task<Outcome> PhaseAsync(Uri dashboard, HttpClient http, Load load, TimeSpan duration, IReadOnlyList<ServingProcess> serving)
    {
        var (Runs, EventsPerSecond) = (load.Runs, load.EventsPerSecond);
        var perRun = (int)(EventsPerSecond / Runs * duration.TotalSeconds);
        var interval = TimeSpan.FromSeconds((double)Runs / EventsPerSecond);
        var prefix = $"live-bench-{Guid.NewGuid():N}"[..20];
        var runIds = Enumerable.Range(0, Runs).Select(i => $"{prefix}-{i:D2}").ToArray();
        foreach (var runId in runIds)
        {
            await PostAsync(http, runId, $$"""{"type":"run_started","timestamp":"{{Ts(0)}}","workflowId":"wf-live-bench"}""");
        }

        // sent[run][n]: when the engine began posting the run's n-th measured event; received likewise, at the client.
        var sent = new long[Runs][];
        var acknowledged = new long[Runs][];
        var received = new long[Runs][];
        for (var i = 0; i < Runs; i++)
        {
            sent[i] = new long[perRun];
            acknowledged[i] = new long[perRun];
            received[i] = new long[perRun];
        }
        var total = Runs * perRun;
        var arrived = 0;
        var duplicates = 0;
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runIndex = runIds.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);

        var clients = new List<HubConnection>();
        try
        {
            for (var i = 0; i < Runs; i++)
            {
                var connection = new HubConnectionBuilder()
                    .WithUrl(new Uri(dashboard, "hubs/runs"))
                    .AddJsonProtocol(o => ModelJson.Configure(o.PayloadSerializerOptions))
                    .Build();
                connection.On<string, IReadOnlyList<RunEvent>>("RunEvents", (runId, events) =>
                {
                    var now = Stopwatch.GetTimestamp();
                    var run = runIndex[runId];
                    foreach (var e in events)
                    {
                        if (Index(e) is not { } n)
                        {
                            continue;
                        }
                        if (Interlocked.CompareExchange(ref received[run][n], now, 0) != 0)
                        {
                            Interlocked.Increment(ref duplicates);
                        }
                        else if (Interlocked.Increment(ref arrived) == total)
                        {
                            allArrived.TrySetResult();
                        }
                    }
                });
                await connection.StartAsync();
                await connection.InvokeAsync("JoinRun", runIds[i], "-1");
                clients.Add(connection);
            }

            // One sequential engine per run (a run's events must keep their order), the 50 staggered across the interval.
            var started = Stopwatch.GetTimestamp();
            var cpuBefore = serving.Select(process => process.Cpu()).ToArray();
            var errors = new ConcurrentBag<string>();
            var engines = Enumerable.Range(0, Runs).Select(run => Task.Run(async () =>
            {
                var first = TimeSpan.FromTicks(interval.Ticks * run / Runs);
                for (var n = 0; n < perRun; n++)
                {
                    var due = first + interval * n - Stopwatch.GetElapsedTime(started);
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due);
                    }
                    var step = n / 2;
                    var body = n % 2 == 0
                        ? $$"""{"type":"step_started","timestamp":"{{Ts(n)}}","stepId":"s{{step}}","stepName":"Step {{step}}"}"""
                        : $$"""{"type":"step_completed","timestamp":"{{Ts(n)}}","stepId":"s{{step}}","tokens":{"prompt":10,"completion":5},"costUsd":"0.0001"}""";
                    sent[run][n] = Stopwatch.GetTimestamp();
                    try
                    {
                        await PostAsync(http, runIds[run], body);
                        acknowledged[run][n] = Stopwatch.GetTimestamp();
                    }
                    catch (HttpRequestException e)
                    {
                        errors.Add(e.Message);
                    }
                }
            })).ToArray();
            await Task.WhenAll(engines);
            var sendSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            await Task.WhenAny(allArrived.Task, Task.Delay(TimeSpan.FromSeconds(15)));
            var cpuPerThousand = serving.Select((process, i) => (process.Cpu() - cpuBefore[i]).TotalMilliseconds * 1000 / total).ToArray();

            List<double> latencies = [], posts = [], afterAck = [];
            for (var run = 0; run < Runs; run++)
            {
                for (var n = 0; n < perRun; n++)
                {
                    if (acknowledged[run][n] != 0)
                    {
                        posts.Add(Stopwatch.GetElapsedTime(sent[run][n], acknowledged[run][n]).TotalMilliseconds);
                    }
                    if (received[run][n] != 0)
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(sent[run][n], received[run][n]).TotalMilliseconds);
                        // Negative when the hub delivers before the POST's response reaches the engine.
                        afterAck.Add(Stopwatch.GetElapsedTime(acknowledged[run][n], received[run][n]).TotalMilliseconds);
                    }
                }
            }
            latencies.Sort();
            posts.Sort();
            afterAck.Sort();
            var lost = total - latencies.Count;
            var (p50, p99, max) = (Percentiles.Of(latencies, 0.50), Percentiles.Of(latencies, 0.99), latencies.Count == 0 ? double.NaN : latencies[^1]);
            Console.WriteLine($"sent {total} events in {sendSeconds:F1} s ({total / sendSeconds:N0}/s), p50 {p50:F1} ms, p99 {p99:F1} ms, max {max:F1} ms, lost {lost}, duplicates {duplicates}, post errors {errors.Count}");
            foreach (var error in errors.Take(3))
            {
                Console.WriteLine($"post error: {error}");
            }
            Console.WriteLine($"server CPU {cpuPerThousand.Sum():F0} ms per 1,000 events ({string.Join(", ", serving.Select((process, i) => $"{process.Name} {cpuPerThousand[i]:F0}"))})");
            Console.WriteLine($"POST acknowledged p50 {Percentiles.Of(posts, 0.5):F1} ms, p99 {Percentiles.Of(posts, 0.99):F1} ms; received after ack p50 {Percentiles.Of(afterAck, 0.5):F1} ms, p99 {Percentiles.Of(afterAck, 0.99):F1} ms");
            return new Outcome(load, total, total / sendSeconds, p50, p99, max, Percentiles.Of(posts, 0.5), Percentiles.Of(posts, 0.99),
                Percentiles.Of(afterAck, 0.5), Percentiles.Of(afterAck, 0.99), lost, duplicates, errors.Count, cpuPerThousand);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private const string EmbeddedSetup = """
        Measured {0} UTC on this machine ({1} cores) by `dotnet run -c Release --project tests/Dashboard.Benchmarks -- live`.
        The dashboard runs as its own process on the embedded default (runs service in-process, SQLite WAL). One engine per
        """;

    private const string PostgreSqlSetup = """
        Measured {0} UTC on this machine ({1} cores) by `dotnet run -c Release --project tests/Dashboard.Benchmarks -- live --postgresql`.
        The deployment of several instances: PostgreSQL 15 (started by the benchmark, `fsync=off`), two runs-service processes on
        it, the engines posting to the first, and a dashboard process reading from the second (`Backend:BaseUrl`), which
        hears of each append by `LISTEN/NOTIFY`. Target: p99 150 ms. One engine per
        """;

    private static async Task WriteReportAsync(IReadOnlyList<Outcome> outcomes, IReadOnlyList<ServingProcess> serving, string file, string setup)
    {
        var report = new StringBuilder();
        report.AppendLine(file == "live.md" ? "# Live view benchmark" : "# Live view benchmark, several instances on PostgreSQL");
        report.AppendLine();
        report.AppendLine(string.Format(CultureInfo.InvariantCulture, setup, $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm}", Environment.ProcessorCount));
        report.AppendLine("run posts one event per request on a fixed schedule; one `HubConnection` client per run (the real .NET SignalR client,");
        report.AppendLine("JSON protocol) joins it at `/hubs/runs`. Latency is from the engine starting its POST to the client's handler");
        report.AppendLine("receiving the event, so it includes ingestion (validation, reducer, durable append) as well as relay and hub.");
        report.AppendLine(file == "live.md"
            ? "The relay follows each run's stream in-process (the embedded service's own streams, woken by its appends)"
            : "The relay follows each run's stream over one server-sent-events connection per run (HTTP to the second instance, through the client)");
        report.AppendLine("and hands each event to the hub's subscriptions in-process. Engines, clients and the dashboard share this machine's");
        report.AppendLine(CultureInfo.InvariantCulture, $"cores. Before each measured {Duration.TotalSeconds:F0} s, the same load runs for {WarmUp.TotalSeconds:F0} s on other runs and clients, unmeasured, so that the");
        report.AppendLine("figures are a serving dashboard's, not its first seconds'. The CPU row is the serving processes' user and kernel time");
        report.AppendLine("from the first measured POST until the last event arrived (or 15 s after the last POST), per 1,000 events: it holds");
        report.AppendLine("better than the latencies on a shared machine, where the engines and clients compete for the same cores.");
        report.AppendLine();
        report.AppendLine("| measure | " + string.Join(" | ", outcomes.Select(o => $"{o.Load.EventsPerSecond:N0} events/s, {o.Load.Runs} runs, {o.Load.Runs} clients")) + " |");
        report.AppendLine("|---|" + string.Concat(outcomes.Select(_ => "---:|")));
        void Row(string name, Func<Outcome, string> value) => report.AppendLine($"| {name} | " + string.Join(" | ", outcomes.Select(value)) + " |");
        Row("events sent", o => string.Create(CultureInfo.InvariantCulture, $"{o.Total:N0} at {o.SentPerSecond:N0}/s"));
        Row("latency p50", o => string.Create(CultureInfo.InvariantCulture, $"{o.P50:F1} ms"));
        Row("latency p99 (target)", o => string.Create(CultureInfo.InvariantCulture, $"{o.P99:F1} ms ({o.Load.P99TargetMs:F0} ms)"));
        Row("latency max", o => string.Create(CultureInfo.InvariantCulture, $"{o.Max:F1} ms"));
        Row("of which: POST until acknowledged, p50 / p99", o => string.Create(CultureInfo.InvariantCulture, $"{o.PostP50:F1} / {o.PostP99:F1} ms"));
        Row("of which: acknowledged until received, p50 / p99", o => string.Create(CultureInfo.InvariantCulture, $"{o.AfterAckP50:F1} / {o.AfterAckP99:F1} ms"));
        Row("lost / duplicated / failed posts", o => $"{o.Lost} / {o.Duplicates} / {o.Errors}");
        Row(file == "live.md" ? "dashboard process CPU per 1,000 events" : "serving processes' CPU per 1,000 events (services, dashboard, PostgreSQL)",
            o => string.Create(CultureInfo.InvariantCulture, $"{o.ServerCpuPerThousand:N0} ms"));
        if (serving.Count > 1)
        {
            for (var i = 0; i < serving.Count; i++)
            {
                var part = i;
                Row($"of which: {serving[part].Name}", o => string.Create(CultureInfo.InvariantCulture, $"{o.CpuPerThousand[part]:N0} ms"));
            }
        }
        if (!QuickLook)
        {
            await ResultsFile.WriteAsync(file, report.ToString());
        }
        Console.WriteLine(report);
    }

    /// <summary>The measured sequence number of a step event (step sN started is 2N, completed 2N + 1).</summary>
    private static int? Index(RunEvent e) => e switch
    {
        StepStarted { StepId: ['s', .. var step] } => int.Parse(step, CultureInfo.InvariantCulture) * 2,
        StepCompleted { StepId: ['s', .. var step] } => (int.Parse(step, CultureInfo.InvariantCulture) * 2) + 1,
        _ => null,
    };

    private static string Ts(int n) => DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000 + n).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static async Task PostAsync(HttpClient http, string runId, string json)
    {
        using var response = await http.PostAsync($"api/runs/{runId}/events", new StringContent("[" + json + "]", Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{runId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}
