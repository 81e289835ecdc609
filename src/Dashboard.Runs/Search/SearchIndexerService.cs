using Dashboard.Runs.Configuration;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs.Search;

/// <summary>Keeps the search index close behind ingestion: the indexer catches up a few times a second (<see cref="RunsOptions.SearchIndexIntervalMs"/>).</summary>
internal sealed partial class SearchIndexerService(SearchIndexer indexer, IOptions<RunsOptions> options, ILogger<SearchIndexerService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Max(1, options.Value.SearchIndexIntervalMs)));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    // On a pool thread: the write lock may be held by ingestion for a moment.
                    await Task.Run(() => indexer.CatchUpUnlessBusy(stoppingToken), stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A search catches up by itself; the next tick tries again.
                    LogFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The search index could not catch up with the stored documents")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
