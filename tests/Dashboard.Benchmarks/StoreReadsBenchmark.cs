using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dashboard.Streams.Core;
using Dashboard.Streams.Storage;
using Dashboard.Testing;

namespace Dashboard.Benchmarks;

/// <summary>
/// The small read every follower makes: a live relay, a long-poll or a server-sent-events reader woken by an append
/// finds its stream and reads the message after its offset. Timed in this process against the stream engine on each
/// store (no HTTP, so the store's share is what moves), as reads per second on one thread and this process's CPU per
/// read. Writes results/store-reads.md.
/// </summary>
internal static class StoreReadsBenchmark
{
    private const int Streams = 50;
    private const int MessagesPerStream = 100;
    private const int Rounds = 5;
    private static readonly TimeSpan RoundLength = TimeSpan.FromSeconds(2);

    public static async Task RunAsync()
    {
        var folder = Directory.CreateTempSubdirectory("store-reads-bench-").FullName;
        try
        {
            Result sqlite;
            using (var store = new SqliteStreamStore(Path.Combine(folder, "streams.db")))
            {
                sqlite = Measure("SQLite", store);
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

            Result postgres;
            await using (var server = await PostgresServer.StartAsync())
            {
                using var store = new PostgreSqlStreamStore(await server.CreateDatabaseAsync("bench"));
                postgres = Measure("PostgreSQL", store);
            }

            await ResultsFile.WriteAsync("store-reads.md", Report(sqlite, postgres));
            Console.WriteLine("wrote results/store-reads.md");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed record Result(string Store, double ReadsPerSecond, double CpuMicrosecondsPerRead, double[] RoundsPerSecond);

    private static Result Measure(string name, IStreamStore store)
    {
        var engine = new DurableStreamEngine(store, new StreamNotifier(), TimeProvider.System);
        var offsets = new StreamOffset[Streams];
        for (var s = 0; s < Streams; s++)
        {
            engine.Create(new CreateStreamRequest { Path = $"/s{s}", ContentType = "application/json" });
            for (var i = 0; i < MessagesPerStream; i++)
            {
                var body = Encoding.UTF8.GetBytes($$"""{"type":"step.completed","stepId":"step-{{i}}","output":"{{new string('x', 200)}}"}""");
                engine.Append(new AppendRequest { Path = $"/s{s}", ContentType = "application/json", Body = body });
                if (i == MessagesPerStream - 2)
                {
                    // The follower's offset: just before the newest message, which each read returns.
                    offsets[s] = engine.Read($"/s{s}", StreamOffset.Zero).Next;
                }
            }
        }

        var limits = new ReadLimits(MaxMessages: 10);
        var perSecond = new List<double>();
        var cpuPerRead = new List<double>();
        using var process = Process.GetCurrentProcess();
        // The first round warms the code up and is not counted.
        for (var round = 0; round <= Rounds; round++)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var reads = 0;
            while (clock.Elapsed < RoundLength)
            {
                for (var s = 0; s < Streams; s++)
                {
                    var read = engine.Read($"/s{s}", offsets[s], limits);
                    if (read.Messages.Count != 1)
                    {
                        throw new InvalidOperationException($"A follower's read of /s{s} returned {read.Messages.Count} messages, not the newest one.");
                    }
                    reads++;
                }
            }
            clock.Stop();
            process.Refresh();
            if (round > 0)
            {
                perSecond.Add(reads / clock.Elapsed.TotalSeconds);
                cpuPerRead.Add((process.TotalProcessorTime - cpuBefore).TotalMicroseconds / reads);
            }
            Console.WriteLine($"{name} round {round}: {reads / clock.Elapsed.TotalSeconds:N0} reads/s");
        }
        return new Result(name, Percentiles.Median(perSecond), Percentiles.Median(cpuPerRead), [.. perSecond]);
    }

    private static string Report(Result sqlite, Result postgres)
    {
        var r = new StringBuilder();
        r.AppendLine("# A follower's read, on each store");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on this machine ({Environment.ProcessorCount} cores) by");
        r.AppendLine("`dotnet run -c Release --project tests/Dashboard.Benchmarks -- store-reads`, in one run: the stream engine in the");
        r.AppendLine("benchmark's process on our SQLite store (WAL) and on our PostgreSQL store (PostgreSQL 15, the Debian package, started");
        r.AppendLine("by the benchmark in a temporary folder with `fsync=off`, on loopback).");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"{Streams} streams of {MessagesPerStream} JSON messages (~260 B); one thread reads each stream in turn from just before its newest message,");
        r.AppendLine("as a live follower woken by an append does (find the stream, read what follows its offset: one message). "
            + $"{Rounds} rounds of {RoundLength.TotalSeconds:F0} s after one warm-up round; the median round. CPU: this process's user and kernel time per read "
            + "(on PostgreSQL the server's own time is not in it; its round trip is in the reads per second).");
        r.AppendLine();
        r.AppendLine("| measure | SQLite | PostgreSQL |");
        r.AppendLine("|---|---:|---:|");
        r.AppendLine(CultureInfo.InvariantCulture, $"| reads/s, one thread | {sqlite.ReadsPerSecond:N0} | {postgres.ReadsPerSecond:N0} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| CPU per read in this process (µs) | {sqlite.CpuMicrosecondsPerRead:F1} | {postgres.CpuMicrosecondsPerRead:F1} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| rounds (reads/s) | {string.Join(" / ", sqlite.RoundsPerSecond.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))} | {string.Join(" / ", postgres.RoundsPerSecond.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))} |");
        return r.ToString();
    }
}
