using System.Globalization;
using System.Text;
using Dashboard.Streams.Core;
using Dashboard.Streams.Hosting;
using Dashboard.Streams.Http;
using Dashboard.Streams.Storage;
using Dashboard.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Benchmarks;

/// <summary>
/// Our Durable Streams endpoints on SQLite against the same endpoints on PostgreSQL, side by side in one run, each hosted
/// the same way (Kestrel in this process, loopback), with the streams benchmark's measures. Writes results/stores.md.
/// </summary>
internal static class StoresBenchmark
{
    public static async Task RunAsync()
    {
        var folder = Directory.CreateTempSubdirectory("stores-bench-").FullName;
        StreamsBenchmark.Measurements sqlite, postgres;
        try
        {
            using (var store = new SqliteStreamStore(Path.Combine(folder, "streams.db")))
            {
                await using var app = await HostAsync(store);
                sqlite = await StreamsBenchmark.MeasureAsync("sqlite", BaseAddressOf(app));
                await app.StopAsync();
            }
            SqliteConnection.ClearAllPools();

            await using var server = await PostgresServer.StartAsync();
            using (var store = new PostgreSqlStreamStore(await server.CreateDatabaseAsync("bench")))
            {
                await using var app = await HostAsync(store);
                // As a deployment of several instances runs it (one instance here: it hears only its own changes).
                await using var relay = new PostgreSqlChangeRelay(store.DataSource, app.Services.GetRequiredService<StreamNotifier>(), NullLogger.Instance);
                postgres = await StreamsBenchmark.MeasureAsync("postgresql", BaseAddressOf(app));
                await app.StopAsync();
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        static string Ratio(double a, double b) => (a / b).ToString("F2", CultureInfo.InvariantCulture) + "x";
        var r = new StringBuilder();
        r.AppendLine("# Streams on SQLite against streams on PostgreSQL");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on this machine ({Environment.ProcessorCount} cores) by");
        r.AppendLine("`dotnet run -c Release --project tests/Dashboard.Benchmarks -- stores` (PostgreSQL 15 from the Debian package, started by the");
        r.AppendLine("benchmark in a temporary folder with `fsync=off`, as the tests do; SQLite in WAL with `synchronous=NORMAL`). Both stores behind the");
        r.AppendLine("same `/v1/stream` endpoints, hosted alike in the benchmark's process, measured as in results/streams.md.");
        r.AppendLine();
        r.AppendLine("| measure | SQLite | PostgreSQL | PostgreSQL / SQLite |");
        r.AppendLine("|---|---:|---:|---:|");
        r.AppendLine(CultureInfo.InvariantCulture, $"| append throughput, warm (events/s) | {sqlite.AppendEventsPerSecond:N0} | {postgres.AppendEventsPerSecond:N0} | {Ratio(postgres.AppendEventsPerSecond, sqlite.AppendEventsPerSecond)} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| catch-up read (events/s) | {sqlite.CatchUpEventsPerSecond:N0} | {postgres.CatchUpEventsPerSecond:N0} | {Ratio(postgres.CatchUpEventsPerSecond, sqlite.CatchUpEventsPerSecond)} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| long-poll wake-up p50 (ms) | {sqlite.WakeP50Ms:F1} | {postgres.WakeP50Ms:F1} | {Ratio(postgres.WakeP50Ms, sqlite.WakeP50Ms)} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| long-poll wake-up p99 (ms) | {sqlite.WakeP99Ms:F1} | {postgres.WakeP99Ms:F1} | {Ratio(postgres.WakeP99Ms, sqlite.WakeP99Ms)} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| wake-up samples / missed | {sqlite.WakeSamples} / {sqlite.WakeMissed} | {postgres.WakeSamples} / {postgres.WakeMissed} | |");
        var path = Path.Combine(RepoPaths.Root, "tests", "Dashboard.Benchmarks", "results", "stores.md");
        await File.WriteAllTextAsync(path, r.ToString());
        Console.WriteLine(r);
    }

    /// <summary>The streams endpoints on <paramref name="store"/>, on a free loopback port.</summary>
    private static async Task<WebApplication> HostAsync(IStreamStore store)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<IStreamStore>(store);
        builder.Services.AddDurableStreams();
        var app = builder.Build();
        app.MapDurableStreams("/v1/stream");
        await app.StartAsync();
        return app;
    }

    private static Uri BaseAddressOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
