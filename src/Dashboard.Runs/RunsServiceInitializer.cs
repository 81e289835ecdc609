using Dashboard.Runs.Access;
using Dashboard.Runs.Ingestion;
using Dashboard.Runs.Storage;
using Dashboard.Streams.Core;

namespace Dashboard.Runs;

/// <summary>Before the first request: the projection tables and the all-runs feed exist; an open service says so.</summary>
internal sealed partial class RunsServiceInitializer(IRunRowStore rows, DurableStreamEngine engine, ApiKeyAccess keys, ILogger<RunsServiceInitializer> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        rows.Ensure();
        engine.Create(new CreateStreamRequest { Path = RunStreams.FeedPath, ContentType = StreamContentType.Json });
        if (keys.IsOpen)
        {
            LogOpen(logger);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "No API key is configured (Runs:ApiKeys): every request to the runs API and the streams is allowed. Keep the service bound to loopback, or configure keys.")]
    private static partial void LogOpen(ILogger logger);
}
