using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dashboard.Testing;

namespace Dashboard.Benchmarks;

/// <summary>
/// Run ingestion (<c>POST /api/runs/{id}/events</c>: parse, validate, reduce, project, insights, durable) against the
/// Node reference server's raw append of the same bytes to a Durable Stream, side by side in one run. Writes
/// results/ingest.md.
/// </summary>
internal static class IngestBenchmark
{
    private const int Writers = 8;
    private const int RunsPerWriterPerRound = 10;
    private const int BatchesPerRun = 5;
    private const int Rounds = 12;
    private const int WarmRounds = 5;

    // The live shape: each event its own POST, as an engine reports while a run goes (the live benchmark's engines do).
    private const int SingleRounds = 6;
    private const int SingleWarmRounds = 2;

    public static async Task RunAsync()
    {
        var referenceDirectory = Path.Combine(RepoPaths.Root, "tests", "Dashboard.Benchmarks", "reference");
        if (!Directory.Exists(Path.Combine(referenceDirectory, "node_modules")))
        {
            throw new InvalidOperationException("Run `bash .ci/setup` first: the reference server's npm packages are missing.");
        }

        Measured ours = default!, onPostgres, reference, singleReference;
        Measured single = default!, singleOnPostgres;
        IndexLag indexBehind = default!, indexBehindOnPostgres;
        InsightsLag insights = default!, insightsOnPostgres;
        // INGEST_ONLY_SQLITE=1 or INGEST_ONLY_POSTGRESQL=1: a quicker look at one change on one store (a minute or two, not
        // eight), with INGEST_ARGS's settings if any; results/ingest.md is left as it is, so that no table holds a service
        // set up otherwise than the README says.
        var onlySqlite = Environment.GetEnvironmentVariable("INGEST_ONLY_SQLITE") is not null;
        var onlyPostgres = Environment.GetEnvironmentVariable("INGEST_ONLY_POSTGRESQL") is not null;
        var quickLook = onlySqlite || onlyPostgres;
        if (!onlyPostgres)
        {
            (ours, indexBehind, insights, single) = await MeasureOursAsync("ours", ["--Streams:DatabasePath", "{data}/runs.db", .. quickLook ? ExtraArguments : []]);
            if (onlySqlite)
            {
                return;
            }
        }
        await using (var postgres = await PostgresServer.StartAsync())
        {
            (onPostgres, indexBehindOnPostgres, insightsOnPostgres, singleOnPostgres) = await MeasureOursAsync("ours on PostgreSQL",
                ["--Storage:Provider", "PostgreSql", "--ConnectionStrings:Runs", await postgres.CreateDatabaseAsync("ingest"), .. quickLook ? ExtraArguments : []],
                postgres.ProcessorTime);
        }
        if (onlyPostgres)
        {
            return;
        }

        var referenceData = Directory.CreateTempSubdirectory("reference-ingest-").FullName;
        try
        {
            await using var server = await AppProcess.StartCommandAsync("reference", "node", [Path.Combine(referenceDirectory, "server.mjs"), referenceData], referenceDirectory);
            using var http = Client(server.BaseAddress);
            // One stream per writer and round: the file-backed reference answers 404 for some of its streams once it holds more
            // than about a hundred (round 1 of one stream per run failed so), and a raw append does not care whose run it is.
            reference = await MeasureAsync("reference", (writer, round, _) => $"v1/stream/ingest-{round}-{writer}", createStreams: true, http, LoneRunsService.CpuOf(server));
            // Onto the streams of the rounds above: the reference's file-backed store loses streams past about a hundred.
            singleReference = await MeasureSingleAsync("reference", (writer, round) => $"v1/stream/ingest-{round}-{writer}", http, LoneRunsService.CpuOf(server));
            reference = reference with { PeakMb = PeakResidentMb(server) };
        }
        finally
        {
            Directory.Delete(referenceData, recursive: true);
        }

        var report = Report(ours, onPostgres, reference, indexBehind, indexBehindOnPostgres, insights, insightsOnPostgres, (single, singleOnPostgres, singleReference));
        await ResultsFile.WriteAsync("ingest.md", report);
        Console.WriteLine(report);
    }

    /// <summary>INGEST_ARGS: more settings for our service, space-separated (e.g. to turn one part off), for a quick look only.</summary>
    private static string[] ExtraArguments =>
        Environment.GetEnvironmentVariable("INGEST_ARGS")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];

    /// <summary>How long the first search after the last round took, whether it said the index was behind, and how long until a search found the index caught up.</summary>
    private sealed record IndexLag(TimeSpan FirstSearch, bool FirstBehind, TimeSpan CaughtUp);

    /// <summary>The runs service on the given store: its ingestion, then how far behind its search index was at the end.</summary>
    private static async Task<(Measured Measured, IndexLag Lag, InsightsLag Insights, Measured Single)> MeasureOursAsync(string name, string[] storage, Func<TimeSpan>? databaseCpu = null)
    {
        await using var service = await AppProcess.StartAsync("Dashboard.Runs", [.. storage, .. LoneRunsService.Quiet]);
        var databaseCpuAtStart = databaseCpu?.Invoke();
        using var http = Client(service.BaseAddress);
        var measured = await MeasureAsync(name, (writer, round, run) => $"api/runs/ingest-{round}-{writer}-{run}/events", createStreams: false, http, LoneRunsService.CpuOf(service), databaseCpu);
        var insights = await InsightsAfterAsync(name, http);
        // The search index is made behind ingestion; a search catches it up first, for a few seconds at most, and says
        // when it answered from an index still behind. Searched until one is not: how far behind the index was at the
        // end. The throughput above is only honest if the index keeps up with it.
        var clock = Stopwatch.StartNew();
        TimeSpan? first = null;
        var firstBehind = false;
        while (true)
        {
            using var found = await http.GetAsync("api/search?q=%22approved%20for%20payment%22&limit=1");
            found.EnsureSuccessStatusCode();
            using var page = System.Text.Json.JsonDocument.Parse(await found.Content.ReadAsStringAsync());
            var behind = page.RootElement.GetProperty("indexBehind").GetBoolean();
            if (first is null)
            {
                (first, firstBehind) = (clock.Elapsed, behind);
                if (page.RootElement.GetProperty("items").GetArrayLength() == 0)
                {
                    throw new InvalidOperationException($"{name}: the search after ingestion found nothing");
                }
            }
            if (!behind)
            {
                break;
            }
        }
        var lag = new IndexLag(first.Value, firstBehind, clock.Elapsed);
        Console.WriteLine($"[{name}] first search after the last round: {lag.FirstSearch.TotalMilliseconds:N0} ms{(lag.FirstBehind ? " (index behind)" : "")}; index caught up after {lag.CaughtUp.TotalMilliseconds:N0} ms");
        if (databaseCpu is not null)
        {
            // The warm rounds' figure leaves out what the indexer still had to do after them; this one holds all of it.
            var allEvents = (double)Rounds * Writers * RunsPerWriterPerRound * Enumerable.Range(0, BatchesPerRun).Sum(b => Batch(b).Events);
            Console.WriteLine($"[{name}] the database's CPU from the service up until the index caught up: {(databaseCpu() - databaseCpuAtStart!.Value).TotalMilliseconds * 1000 / allEvents:N1} ms per 1,000 events");
        }
        var peakMb = PeakResidentMb(service);
        // After the search, so that the batches' runs are all counted and indexed: these runs come on top.
        var single = await MeasureSingleAsync(name, (writer, round) => $"api/runs/single-{round}-{writer}/events", http, LoneRunsService.CpuOf(service), databaseCpu);
        return (measured with { PeakMb = peakMb }, lag, insights, single);
    }

    /// <summary>How long the first insights read after the last round took, and whether it counted every run reported.</summary>
    private sealed record InsightsLag(TimeSpan FirstRead, long RunsCounted, long RunsReported);

    /// <summary>
    /// The insights aggregates are added to behind ingestion, and a read first adds what was stored before it: the first
    /// read after the rounds waits for whatever the background had not added yet. The throughput above is only honest if
    /// that backlog stays small, and the read must count every run.
    /// </summary>
    private static async Task<InsightsLag> InsightsAfterAsync(string name, HttpClient http)
    {
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync($"api/insights/summary?workflowId=wf-ingest&from={Ts(-86_400)}&to={Ts(86_400)}");
        response.EnsureSuccessStatusCode();
        var elapsed = clock.Elapsed;
        using var summary = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var lag = new InsightsLag(elapsed, summary.RootElement.GetProperty("byStatus").GetProperty("completed").GetInt64(), (long)Rounds * Writers * RunsPerWriterPerRound);
        Console.WriteLine($"[{name}] first insights read after the last round: {lag.FirstRead.TotalMilliseconds:N0} ms, {lag.RunsCounted} of {lag.RunsReported} runs counted completed");
        if (lag.RunsCounted != lag.RunsReported)
        {
            throw new InvalidOperationException($"{name}: the insights counted {lag.RunsCounted} completed runs of {lag.RunsReported} reported");
        }
        return lag;
    }

    /// <summary>Cold and warm throughput, and the server's CPU time (user and kernel) per 1,000 events over the warm rounds.</summary>
    private sealed record Measured(double Cold, double Warm, double CpuMsPer1000, double? PeakMb = null)
    {
        /// <summary>PostgreSQL's processes' CPU per 1,000 events over the warm rounds; null where there is no database server.</summary>
        public double? DatabaseCpuMsPer1000 { get; init; }
    }

    /// <summary>
    /// The most memory the server process has held resident since it started (Linux's high-water mark), in MB; null
    /// elsewhere. What ingestion keeps between batches (runs' states, caches) shows here, not in the throughput.
    /// </summary>
    internal static double? PeakResidentMb(AppProcess app)
    {
        var status = $"/proc/{app.ProcessId}/status";
        if (!File.Exists(status))
        {
            return null;
        }
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }

    private static HttpClient Client(Uri baseAddress) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5) };

    /// <summary>
    /// Each round: <see cref="Writers"/> writers, each reporting <see cref="RunsPerWriterPerRound"/> runs one after another,
    /// each run in <see cref="BatchesPerRun"/> batches of about 100 events (as an engine reports a run while it goes). The
    /// reference gets the same bytes, appended to one stream per writer.
    /// </summary>
    private static async Task<Measured> MeasureAsync(string name, Func<int, int, int, string> url, bool createStreams, HttpClient http, Func<TimeSpan> cpu,
        Func<TimeSpan>? databaseCpu = null)
    {
        var batches = Enumerable.Range(0, BatchesPerRun).Select(b => Batch(b)).ToArray();
        var eventsPerRun = batches.Sum(b => b.Events);
        var rounds = new List<double>();
        var warmCpu = TimeSpan.Zero;
        var warmDatabaseCpu = TimeSpan.Zero;
        for (var round = 0; round < Rounds; round++)
        {
            if (createStreams)
            {
                foreach (var stream in Enumerable.Range(0, Writers).SelectMany(w => Enumerable.Range(0, RunsPerWriterPerRound).Select(r => url(w, round, r))).Distinct())
                {
                    using var created = await http.PutAsync(stream, new ByteArrayContent([]) { Headers = { ContentType = new("application/json") } });
                    created.EnsureSuccessStatusCode();
                }
            }
            var cpuBefore = cpu();
            var databaseCpuBefore = databaseCpu?.Invoke() ?? TimeSpan.Zero;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, Writers).Select(async w =>
            {
                for (var r = 0; r < RunsPerWriterPerRound; r++)
                {
                    foreach (var batch in batches)
                    {
                        using var response = await http.PostAsync(url(w, round, r), new ByteArrayContent(batch.Body) { Headers = { ContentType = new("application/json") } });
                        if (!response.IsSuccessStatusCode)
                        {
                            throw new InvalidOperationException($"{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                        }
                    }
                }
            }));
            var perSecond = Writers * RunsPerWriterPerRound * eventsPerRun / watch.Elapsed.TotalSeconds;
            rounds.Add(perSecond);
            if (round >= WarmRounds)
            {
                warmCpu += cpu() - cpuBefore;
                warmDatabaseCpu += (databaseCpu?.Invoke() ?? TimeSpan.Zero) - databaseCpuBefore;
            }
            Console.WriteLine($"[{name}] round {round}: {perSecond:N0} events/s");
        }
        var warmEvents = (Rounds - WarmRounds) * Writers * RunsPerWriterPerRound * eventsPerRun;
        var measured = new Measured(rounds[0], Percentiles.Of(rounds.Skip(WarmRounds).Order().ToList(), 0.50), warmCpu.TotalMilliseconds * 1000 / warmEvents)
        {
            DatabaseCpuMsPer1000 = databaseCpu is null ? null : warmDatabaseCpu.TotalMilliseconds * 1000 / warmEvents,
        };
        Console.WriteLine($"[{name}] warm: {measured.Warm:N0} events/s, {measured.CpuMsPer1000:N1} ms server CPU per 1,000 events" +
            (measured.DatabaseCpuMsPer1000 is { } database ? $", {database:N1} ms of the database's" : ""));
        return measured;
    }

    /// <summary>
    /// Each round: <see cref="Writers"/> writers at once, each reporting one run of the same events as the batches, one event
    /// per POST, in order (the reference: each event appended to a stream per writer).
    /// </summary>
    private static async Task<Measured> MeasureSingleAsync(string name, Func<int, int, string> url, HttpClient http, Func<TimeSpan> cpu,
        Func<TimeSpan>? databaseCpu = null)
    {
        var events = Enumerable.Range(0, BatchesPerRun).SelectMany(Events).Select(e => Encoding.UTF8.GetBytes("[" + e + "]")).ToArray();
        var rounds = new List<double>();
        var warmCpu = TimeSpan.Zero;
        var warmDatabaseCpu = TimeSpan.Zero;
        for (var round = 0; round < SingleRounds; round++)
        {
            var cpuBefore = cpu();
            var databaseCpuBefore = databaseCpu?.Invoke() ?? TimeSpan.Zero;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, Writers).Select(async w =>
            {
                foreach (var body in events)
                {
                    using var response = await http.PostAsync(url(w, round), new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } });
                    if (!response.IsSuccessStatusCode)
                    {
                        throw new InvalidOperationException($"{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                }
            }));
            var perSecond = Writers * events.Length / watch.Elapsed.TotalSeconds;
            rounds.Add(perSecond);
            if (round >= SingleWarmRounds)
            {
                warmCpu += cpu() - cpuBefore;
                warmDatabaseCpu += (databaseCpu?.Invoke() ?? TimeSpan.Zero) - databaseCpuBefore;
            }
            Console.WriteLine($"[{name}] one event per POST, round {round}: {perSecond:N0} events/s");
        }
        var warmEvents = (SingleRounds - SingleWarmRounds) * Writers * events.Length;
        var measured = new Measured(rounds[0], Percentiles.Of(rounds.Skip(SingleWarmRounds).Order().ToList(), 0.50), warmCpu.TotalMilliseconds * 1000 / warmEvents)
        {
            DatabaseCpuMsPer1000 = databaseCpu is null ? null : warmDatabaseCpu.TotalMilliseconds * 1000 / warmEvents,
        };
        Console.WriteLine($"[{name}] one event per POST, warm: {measured.Warm:N0} events/s, {measured.CpuMsPer1000:N1} ms server CPU per 1,000 events" +
            (measured.DatabaseCpuMsPer1000 is { } database ? $", {database:N1} ms of the database's" : ""));
        return measured;
    }

    private static string Ts(int second) => DateTimeOffset.FromUnixTimeSeconds(1_790_000_000 + second).ToString("yyyy-MM-dd'T'HH:mm:ss'.'fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Batch <paramref name="index"/> of a run: the first opens it, the last ends it, each holds 49-50 steps started and
    /// completed with a model, tokens, cost, input and output (events of about 330 bytes, like the streams benchmark's).
    /// </summary>
    private static (byte[] Body, int Events) Batch(int index)
    {
        var events = Events(index);
        return (Encoding.UTF8.GetBytes("[" + string.Join(",", events) + "]"), events.Count);
    }

    /// <summary>The events of batch <paramref name="index"/> of a run, each as its JSON.</summary>
    private static List<string> Events(int index)
    {
        var events = new List<string>();
        void Add(string json) => events.Add(json);
        if (index == 0)
        {
            Add($$$"""{"type":"run_started","timestamp":"{{{Ts(0)}}}","workflowId":"wf-ingest","workflowName":"Invoice approval","triggerType":"api","input":{"invoice":"INV-1"}}""");
        }
        var steps = index == 0 || index == BatchesPerRun - 1 ? 49 : 50;
        for (var s = 0; s < steps; s++)
        {
            var step = index * 50 + s;
            Add($$$"""{"type":"step_started","timestamp":"{{{Ts(step)}}}","stepId":"summarize-invoice-{{{step}}}","stepName":"Summarize invoice","input":{"invoice":"INV-1-{{{step}}}","lines":3}}""");
            Add($$$"""{"type":"step_completed","timestamp":"{{{Ts(step + 1)}}}","stepId":"summarize-invoice-{{{step}}}","durationMs":{{{1200 + s}}},"modelUsed":"gpt-4o-mini","tokens":{"prompt":1834,"cached":512,"completion":211},"costUsd":"0.000402","output":{"summary":"Invoice INV-1-{{{step}}} approved for payment","confidence":0.93}}""");
        }
        if (index == BatchesPerRun - 1)
        {
            Add($$$"""{"type":"run_completed","timestamp":"{{{Ts(BatchesPerRun * 50 + 1)}}}","output":{"approved":true}}""");
        }
        return events;
    }

    private static string Report(Measured ours, Measured onPostgres, Measured reference, IndexLag indexBehind, IndexLag indexBehindOnPostgres,
        InsightsLag insights, InsightsLag insightsOnPostgres, (Measured Ours, Measured OnPostgres, Measured Reference) single)
    {
        static string Ratio(double a, double b) => (a / b).ToString("F2", CultureInfo.InvariantCulture) + "x";
        var r = new StringBuilder();
        r.AppendLine("# Run ingestion against the reference server's raw append");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on this machine ({Environment.ProcessorCount} cores), every server on loopback, in one run of");
        r.AppendLine("`dotnet run -c Release --project tests/Dashboard.Benchmarks -- ingest` (after `bash .ci/setup`).");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"{Writers} writers at once, each reporting {RunsPerWriterPerRound} runs in turn, each run in {BatchesPerRun} POSTs of ~100 events (run started, 249 steps started and completed with model, tokens, cost, input and output, run completed).");
        r.AppendLine("Ours: `POST /api/runs/{id}/events` on the runs service (parse, validate, reduce, project, the insights delta, feed, durable; the insights aggregates are added to behind, within the process's CPU below), on SQLite (WAL) and on PostgreSQL 15 (started by the benchmark, `fsync=off`; its processes' CPU in a row of its own, the search indexer's and the insights passes' writes included).");
        r.AppendLine("Reference: the same bytes appended with `POST` to one Durable Stream per writer on `@durable-streams/server` 0.3.7 (file-backed), which only stores them.");
        r.AppendLine(CultureInfo.InvariantCulture, $"{Rounds} rounds each: the first on cold code, the median of the last {Rounds - WarmRounds} (\"warm\").");
        r.AppendLine();
        r.AppendLine("| measure | ours, SQLite | ours, PostgreSQL | reference (raw append) | SQLite / reference | PostgreSQL / reference |");
        r.AppendLine("|---|---:|---:|---:|---:|---:|");
        r.AppendLine(CultureInfo.InvariantCulture, $"| events/s, warm | {ours.Warm:N0} | {onPostgres.Warm:N0} | {reference.Warm:N0} | {Ratio(ours.Warm, reference.Warm)} | {Ratio(onPostgres.Warm, reference.Warm)} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| events/s, cold first round | {ours.Cold:N0} | {onPostgres.Cold:N0} | {reference.Cold:N0} | {Ratio(ours.Cold, reference.Cold)} | {Ratio(onPostgres.Cold, reference.Cold)} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| server CPU per 1,000 events, warm (ms) | {ours.CpuMsPer1000:N1} | {onPostgres.CpuMsPer1000:N1} | {reference.CpuMsPer1000:N1} | {Ratio(ours.CpuMsPer1000, reference.CpuMsPer1000)} | {Ratio(onPostgres.CpuMsPer1000, reference.CpuMsPer1000)} |");
        if (onPostgres.DatabaseCpuMsPer1000 is { } databaseCpu)
        {
            r.AppendLine(CultureInfo.InvariantCulture, $"| PostgreSQL's processes' CPU per 1,000 events, warm (ms) | – | {databaseCpu:N1} | – | – | – |");
            r.AppendLine(CultureInfo.InvariantCulture, $"| server and database CPU per 1,000 events, warm (ms) | {ours.CpuMsPer1000:N1} | {onPostgres.CpuMsPer1000 + databaseCpu:N1} | {reference.CpuMsPer1000:N1} | {Ratio(ours.CpuMsPer1000, reference.CpuMsPer1000)} | {Ratio(onPostgres.CpuMsPer1000 + databaseCpu, reference.CpuMsPer1000)} |");
        }
        if (ours.PeakMb is { } oursMb && onPostgres.PeakMb is { } postgresMb && reference.PeakMb is { } referenceMb)
        {
            r.AppendLine(CultureInfo.InvariantCulture, $"| server peak resident memory (MB) | {oursMb:N0} | {postgresMb:N0} | {referenceMb:N0} | {Ratio(oursMb, referenceMb)} | {Ratio(postgresMb, referenceMb)} |");
        }
        r.AppendLine();
        r.AppendLine("Server CPU: the server process's user and kernel time over the warm rounds (whatever of the search indexer ran in that time included), per 1,000 events: what each event costs it. It holds better than the throughput on a shared machine, though contention still moves it (about ±15 % between runs of one build here).");
        r.AppendLine("Peak resident memory: the process's high-water mark (`VmHWM`) after all rounds, ours read after the search.");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"One event per POST, the shape of an engine reporting as a run goes (the live benchmark's): the same {Writers} writers, each reporting one run of the same events in turn, each event its own `POST` (the reference: appended to one stream per writer), after the rounds above and the search below, on the same servers. {SingleRounds} rounds: the first on cold code, the median of the last {SingleRounds - SingleWarmRounds}.");
        r.AppendLine();
        r.AppendLine("| one event per POST | ours, SQLite | ours, PostgreSQL | reference (raw append) | SQLite / reference | PostgreSQL / reference |");
        r.AppendLine("|---|---:|---:|---:|---:|---:|");
        r.AppendLine(CultureInfo.InvariantCulture, $"| events/s, warm | {single.Ours.Warm:N0} | {single.OnPostgres.Warm:N0} | {single.Reference.Warm:N0} | {Ratio(single.Ours.Warm, single.Reference.Warm)} | {Ratio(single.OnPostgres.Warm, single.Reference.Warm)} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| server CPU per 1,000 events, warm (ms) | {single.Ours.CpuMsPer1000:N1} | {single.OnPostgres.CpuMsPer1000:N1} | {single.Reference.CpuMsPer1000:N1} | {Ratio(single.Ours.CpuMsPer1000, single.Reference.CpuMsPer1000)} | {Ratio(single.OnPostgres.CpuMsPer1000, single.Reference.CpuMsPer1000)} |");
        if (single.OnPostgres.DatabaseCpuMsPer1000 is { } singleDatabaseCpu)
        {
            r.AppendLine(CultureInfo.InvariantCulture, $"| server and database CPU per 1,000 events, warm (ms) | {single.Ours.CpuMsPer1000:N1} | {single.OnPostgres.CpuMsPer1000 + singleDatabaseCpu:N1} | {single.Reference.CpuMsPer1000:N1} | {Ratio(single.Ours.CpuMsPer1000, single.Reference.CpuMsPer1000)} | {Ratio(single.OnPostgres.CpuMsPer1000 + singleDatabaseCpu, single.Reference.CpuMsPer1000)} |");
        }
        r.AppendLine();
        r.AppendLine("The search index is made behind ingestion. A search catches it up first, for at most `Runs:SearchCatchUpMs` (5 s), and says when it answered from an index still behind (`indexBehind`). After the last round:");
        r.AppendLine();
        r.AppendLine("| store | first search answered (ms) | index behind in that answer | index caught up after (ms) |");
        r.AppendLine("|---|---:|---|---:|");
        foreach (var (store, lag) in new[] { ("SQLite", indexBehind), ("PostgreSQL", indexBehindOnPostgres) })
        {
            r.AppendLine(CultureInfo.InvariantCulture, $"| {store} | {lag.FirstSearch.TotalMilliseconds:N0} | {(lag.FirstBehind ? "yes" : "no")} | {lag.CaughtUp.TotalMilliseconds:N0} |");
        }
        r.AppendLine();
        r.AppendLine("The insights aggregates are added to behind ingestion, every `Runs:InsightsIntervalMs` (250 ms), from the deltas each write transaction stores; a read adds what is still pending first. The first insights read after the last round (before the search above), which must count every run reported:");
        r.AppendLine();
        r.AppendLine("| store | first insights read answered (ms) | completed runs counted / reported |");
        r.AppendLine("|---|---:|---:|");
        foreach (var (store, lag) in new[] { ("SQLite", insights), ("PostgreSQL", insightsOnPostgres) })
        {
            r.AppendLine(CultureInfo.InvariantCulture, $"| {store} | {lag.FirstRead.TotalMilliseconds:N0} | {lag.RunsCounted:N0} / {lag.RunsReported:N0} |");
        }
        return r.ToString();
    }
}
