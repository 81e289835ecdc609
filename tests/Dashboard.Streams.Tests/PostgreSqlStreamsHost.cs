using Dashboard.Streams.Core;
using Dashboard.Streams.Hosting;
using Dashboard.Streams.Http;
using Dashboard.Streams.Storage;
using Dashboard.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Streams.Tests;

/// <summary>
/// The generic Durable Streams endpoints on the PostgreSQL store, served by Kestrel on a free loopback port, with a
/// PostgreSQL server of their own: what the conformance suite judges the PostgreSQL store by, until the runs service can
/// be started on it.
/// </summary>
internal sealed class PostgreSqlStreamsHost : IAsyncDisposable
{
    private readonly PostgresServer _postgres;
    private readonly WebApplication _app;
    private readonly PostgreSqlChangeRelay _relay;

    private PostgreSqlStreamsHost(PostgresServer postgres, WebApplication app, PostgreSqlChangeRelay relay, Uri baseAddress)
    {
        (_postgres, _app, _relay, BaseAddress) = (postgres, app, relay, baseAddress);
    }

    public Uri BaseAddress { get; }

    public static async Task<PostgreSqlStreamsHost> StartAsync(int longPollTimeoutMs)
    {
        var postgres = await PostgresServer.StartAsync();
        var connectionString = await postgres.CreateDatabaseAsync("conformance");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var store = new PostgreSqlStreamStore(connectionString);
        builder.Services.AddSingleton<IStreamStore>(store);
        builder.Services.AddDurableStreams();
        builder.Services.Configure<StreamsOptions>(options => options.LongPollTimeoutMs = longPollTimeoutMs);
        var app = builder.Build();
        app.MapDurableStreams("/v1/stream");
        var relay = new PostgreSqlChangeRelay(store.DataSource, app.Services.GetRequiredService<StreamNotifier>(), NullLogger.Instance);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new PostgreSqlStreamsHost(postgres, app, relay, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _relay.DisposeAsync();
        await _app.DisposeAsync();
        await _postgres.DisposeAsync();
    }
}
