using Dashboard.Streams.Core;
using Dashboard.Streams.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dashboard.Streams.Hosting;

/// <summary>
/// Runs the <see cref="PostgreSqlChangeRelay"/> for the life of the host: the host starts serving only once this instance
/// listens, so that no append made by another instance after start is missed by a reader here.
/// </summary>
public sealed class PostgreSqlChangeRelayService(PostgreSqlStreamStore store, StreamNotifier notifier, ILogger<PostgreSqlChangeRelay> logger)
    : IHostedService, IAsyncDisposable
{
    private PostgreSqlChangeRelay? _relay;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _relay = new PostgreSqlChangeRelay(store.DataSource, notifier, logger);
        await _relay.Listening.WaitAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _relay, null) is { } relay)
        {
            await relay.DisposeAsync();
        }
    }
}
