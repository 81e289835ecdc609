using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dashboard.Testing;

namespace Dashboard.Benchmarks;

/// <summary>
/// Our Durable Streams server against the Node reference server (@durable-streams/server 0.3.7, file-backed), on this
/// machine, in one run, over real HTTP on loopback. Writes results/streams.md.
/// </summary>
internal static class StreamsBenchmark
{
    private const int EventsPerBatch = 100;
    private const int AppendBatches = 2_000;
    private const int AppendWriters = 8;
    private const int AppendWarmRounds = 3;
    private const int AppendRounds = 8;
    private const int CatchUpEvents = 100_000;
    private const int Readers = 200;
    private const int WakeRounds = 20;

    public static async Task RunAsync()
    {
        var results = new List<(string Server, Measurements M)>();
        var referenceDirectory = Path.Combine(RepoPaths.Root, "tests", "Dashboard.Benchmarks", "reference");
        if (!Directory.Exists(Path.Combine(referenceDirectory, "node_modules")))
        {
            throw new InvalidOperationException("Run `bash .ci/setup` first: the reference server's npm packages are missing.");
        }

        await using (var ours = await AppProcess.StartAsync("Dashboard.Runs",
            ["--Streams:DatabasePath", "{data}/streams.db", "--Logging:LogLevel:Default", "Warning", "--Runs:RateLimitPerMinute", "100000000"]))
        {
            results.Add(("ours (ASP.NET Core, SQLite WAL)", await MeasureAsync("ours", ours.BaseAddress)));
        }

        var referenceData = Directory.CreateTempSubdirectory("reference-streams-").FullName;
        await using (var reference = await AppProcess.StartCommandAsync("reference", "node",
            [Path.Combine(referenceDirectory, "server.mjs"), referenceData], referenceDirectory))
        {
            results.Add(("reference (@durable-streams/server 0.3.7, file-backed)", await MeasureAsync("reference", reference.BaseAddress)));
        }
        Directory.Delete(referenceData, recursive: true);

        var report = Report(results[0].M, results[1].M, results[0].Server, results[1].Server);
        await ResultsFile.WriteAsync("streams.md", report);
        Console.WriteLine(report);
        Console.WriteLine("Written to results/streams.md");
    }

    internal sealed record Measurements(double AppendColdEventsPerSecond, double AppendEventsPerSecond, double CatchUpEventsPerSecond, double CatchUpMegabytesPerSecond, double WakeP50Ms, double WakeP99Ms, int WakeSamples, int WakeMissed);

    internal static HttpClient Client(Uri baseAddress) => new(new SocketsHttpHandler { MaxConnectionsPerServer = 1000, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromMinutes(5),
    };

    internal static async Task<Measurements> MeasureAsync(string name, Uri baseAddress)
    {
        using var http = Client(baseAddress);
        var prefix = $"v1/stream/bench-{name}-{Guid.NewGuid():N}";
        Console.WriteLine($"[{name}] {baseAddress}");

        await WarmUpAsync(http, prefix);
        var (appendCold, append) = await AppendThroughputAsync(http, prefix);
        Console.WriteLine($"[{name}] append: {append:F0} events/s warm, {appendCold:F0} events/s cold");
        var (catchUpEvents, catchUpMb) = await CatchUpThroughputAsync(http, prefix);
        Console.WriteLine($"[{name}] catch-up: {catchUpEvents:F0} events/s, {catchUpMb:F1} MB/s");
        var (p50, p99, samples, missed) = await WakeLatencyAsync(http, prefix);
        Console.WriteLine($"[{name}] wake-up: p50 {p50:F1} ms, p99 {p99:F1} ms ({samples} samples, {missed} missed)");
        return new Measurements(appendCold, append, catchUpEvents, catchUpMb, p50, p99, samples, missed);
    }

    private static async Task WarmUpAsync(HttpClient http, string prefix)
    {
        await CreateAsync(http, $"{prefix}-warm");
        for (var i = 0; i < 200; i++)
        {
            await AppendAsync(http, $"{prefix}-warm", Batch(i, 10));
        }
        await http.GetByteArrayAsync($"{prefix}-warm?offset=-1");
    }

    /// <summary>
    /// Batches of 100 run events (about 330 bytes each), eight writers on eight streams at once. The first rounds run on
    /// cold code (both servers compile as they go: .NET tiers its JIT, V8 optimises hot functions), so the throughput
    /// reported is the median of the rounds after the first three, and the very first round is reported beside it.
    /// </summary>
    private static async Task<(double Cold, double Warm)> AppendThroughputAsync(HttpClient http, string prefix)
    {
        var batches = Enumerable.Range(0, 16).Select(i => Encoding.UTF8.GetBytes(Batch(i, EventsPerBatch))).ToArray();
        var rounds = new List<double>();
        for (var round = 0; round < AppendRounds; round++)
        {
            for (var w = 0; w < AppendWriters; w++)
            {
                await CreateAsync(http, $"{prefix}-append-{round}-{w}");
            }
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, AppendWriters).Select(async w =>
            {
                for (var i = 0; i < AppendBatches / AppendWriters; i++)
                {
                    await AppendAsync(http, $"{prefix}-append-{round}-{w}", batches[i % batches.Length]);
                }
            }));
            rounds.Add(AppendBatches * EventsPerBatch / watch.Elapsed.TotalSeconds);
        }
        var warm = rounds.Skip(AppendWarmRounds).Order().ToList();
        return (rounds[0], Percentiles.Of(warm, 0.50));
    }

    /// <summary>A 100,000-event stream read from the start to the tail, following Stream-Next-Offset; best of three.</summary>
    private static async Task<(double EventsPerSecond, double MegabytesPerSecond)> CatchUpThroughputAsync(HttpClient http, string prefix)
    {
        var path = $"{prefix}-catchup";
        await CreateAsync(http, path);
        for (var i = 0; i < CatchUpEvents / 1000; i++)
        {
            await AppendAsync(http, path, Batch(i, 1000));
        }
        var best = double.MaxValue;
        long bytes = 0;
        for (var run = 0; run < 3; run++)
        {
            var watch = Stopwatch.StartNew();
            bytes = 0;
            var offset = "-1";
            while (true)
            {
                using var response = await http.GetAsync($"{path}?offset={Uri.EscapeDataString(offset)}");
                response.EnsureSuccessStatusCode();
                var body = await response.Content.ReadAsByteArrayAsync();
                bytes += body.Length;
                offset = response.Headers.GetValues("Stream-Next-Offset").Single();
                if (response.Headers.TryGetValues("Stream-Up-To-Date", out var upToDate) && upToDate.Single() == "true")
                {
                    break;
                }
            }
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return (CatchUpEvents / best, bytes / 1_000_000.0 / best);
    }

    /// <summary>
    /// 200 readers long-poll one stream's tail; one event is appended; the latency is from just before the append is sent
    /// to each reader's response. Twenty rounds, every reader in every round.
    /// </summary>
    private static Task<(double P50, double P99, int Samples, int Missed)> WakeLatencyAsync(HttpClient http, string prefix) => WakeLatencyAsync(http, http, prefix);

    /// <summary>The wake-up with the append sent to one server and the long-polls parked on another (two instances, one store).</summary>
    internal static async Task<(double P50, double P99, int Samples, int Missed)> WakeLatencyAsync(HttpClient writer, HttpClient http, string prefix)
    {
        var path = $"{prefix}-wake";
        await CreateAsync(writer, path);
        var offset = (await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path))).Headers.GetValues("Stream-Next-Offset").Single();
        var latencies = new List<double>();
        var missed = 0;
        for (var round = 0; round < WakeRounds; round++)
        {
            var clock = Stopwatch.StartNew();
            var sentAt = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
            var readers = Enumerable.Range(0, Readers).Select(async _ =>
            {
                using var response = await http.GetAsync($"{path}?offset={Uri.EscapeDataString(offset)}&live=long-poll", HttpCompletionOption.ResponseHeadersRead);
                var arrived = clock.Elapsed.TotalMilliseconds;
                var body = await response.Content.ReadAsStringAsync();
                return (Status: (int)response.StatusCode, Arrived: arrived, Next: response.Headers.GetValues("Stream-Next-Offset").Single(), HasData: body.Contains("wake", StringComparison.Ordinal));
            }).ToList();

            // Let every long-poll reach the server and park before the append.
            await Task.Delay(1000);
            var sent = clock.Elapsed.TotalMilliseconds;
            await AppendAsync(writer, path, $$"""[{"type":"log","wake":{{round}}}]""");
            var outcomes = await Task.WhenAll(readers);
            foreach (var outcome in outcomes)
            {
                if (outcome.Status == 200 && outcome.HasData)
                {
                    latencies.Add(outcome.Arrived - sent);
                }
                else
                {
                    missed++;
                }
            }
            offset = outcomes.Where(o => o.HasData).Select(o => o.Next).DefaultIfEmpty(offset).Max(StringComparer.Ordinal)!;
        }
        latencies.Sort();
        return (Percentiles.Of(latencies, 0.50), Percentiles.Of(latencies, 0.99), latencies.Count, missed);
    }

    private static async Task CreateAsync(HttpClient http, string path)
    {
        using var response = await http.PutAsync(path, new ByteArrayContent([]) { Headers = { ContentType = new("application/json") } });
        response.EnsureSuccessStatusCode();
    }

    private static Task AppendAsync(HttpClient http, string path, string json) => AppendAsync(http, path, Encoding.UTF8.GetBytes(json));

    private static async Task AppendAsync(HttpClient http, string path, byte[] json)
    {
        using var response = await http.PostAsync(path, new ByteArrayContent(json) { Headers = { ContentType = new("application/json") } });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A batch of realistic run events: step starts and completions with ids, times, tokens and cost.</summary>
    private static string Batch(int seed, int count)
    {
        var builder = new StringBuilder("[");
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }
            builder.Append(CultureInfo.InvariantCulture,
                $$$"""{"type":"step_completed","timestamp":"2026-11-23T09:{{{i % 60:00}}}:{{{seed % 60:00}}}.123Z","eventId":"evt-{{{seed}}}-{{{i}}}","stepId":"summarize-invoice-{{{i}}}","attempt":1,"durationMs":{{{1200 + i}}},"modelUsed":"gpt-4o-mini","tokens":{"prompt":1834,"cached":512,"completion":211},"costUsd":"0.000402","output":{"summary":"Invoice INV-{{{seed}}}-{{{i}}} approved for payment","confidence":0.93}}""");
        }
        return builder.Append(']').ToString();
    }

    private static string Report(Measurements ours, Measurements reference, string oursName, string referenceName)
    {
        static string Ratio(double a, double b) => (a / b).ToString("F2", CultureInfo.InvariantCulture) + "x";
        var r = new StringBuilder();
        r.AppendLine("# Durable Streams server: ours against the Node reference");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on this machine ({Environment.ProcessorCount} cores, {Environment.OSVersion}), both servers on loopback, in one run of");
        r.AppendLine("`dotnet run -c Release --project tests/Dashboard.Benchmarks -- streams` (after `bash .ci/setup`).");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"- append: {AppendBatches:N0} POSTs of {EventsPerBatch} JSON run events (~330 B each), {AppendWriters} writers on {AppendWriters} new streams at once; {AppendRounds} rounds: the first on cold code (\"cold\"), the median of the last {AppendRounds - AppendWarmRounds} (\"warm\", the steady state a server runs in)");
        r.AppendLine(CultureInfo.InvariantCulture, $"- catch-up: reading a {CatchUpEvents:N0}-event stream from `-1` to the tail, following `Stream-Next-Offset`, best of 3");
        r.AppendLine(CultureInfo.InvariantCulture, $"- wake-up: {Readers} concurrent long-polls at the tail, one append, time from sending the append to each reader's response; {WakeRounds} rounds");
        r.AppendLine();
        r.AppendLine("| measure | ours | reference | ours / reference |");
        r.AppendLine("|---|---:|---:|---:|");
        r.AppendLine(CultureInfo.InvariantCulture, $"| append throughput, warm (events/s) | {ours.AppendEventsPerSecond:N0} | {reference.AppendEventsPerSecond:N0} | {Ratio(ours.AppendEventsPerSecond, reference.AppendEventsPerSecond)} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| append throughput, cold first round (events/s) | {ours.AppendColdEventsPerSecond:N0} | {reference.AppendColdEventsPerSecond:N0} | {Ratio(ours.AppendColdEventsPerSecond, reference.AppendColdEventsPerSecond)} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| catch-up read (events/s) | {ours.CatchUpEventsPerSecond:N0} | {reference.CatchUpEventsPerSecond:N0} | {Ratio(ours.CatchUpEventsPerSecond, reference.CatchUpEventsPerSecond)} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| catch-up read (MB/s) | {ours.CatchUpMegabytesPerSecond:F1} | {reference.CatchUpMegabytesPerSecond:F1} | {Ratio(ours.CatchUpMegabytesPerSecond, reference.CatchUpMegabytesPerSecond)} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| long-poll wake-up p50 (ms) | {ours.WakeP50Ms:F1} | {reference.WakeP50Ms:F1} | {Ratio(ours.WakeP50Ms, reference.WakeP50Ms)} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| long-poll wake-up p99 (ms) | {ours.WakeP99Ms:F1} | {reference.WakeP99Ms:F1} | {Ratio(ours.WakeP99Ms, reference.WakeP99Ms)} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| wake-up samples / missed | {ours.WakeSamples} / {ours.WakeMissed} | {reference.WakeSamples} / {reference.WakeMissed} | |");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"ours: {oursName}; reference: {referenceName}. Lower is better for latency (a ratio below 1 means ours is faster).");
        return r.ToString();
    }
}
