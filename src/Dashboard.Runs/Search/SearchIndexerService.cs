using Dashboard.Runs.Storage;

namespace Dashboard.Runs.Search;

/// <summary>Keeps the text index close behind ingestion where it is filled in batches (SQLite), a few times a second.</summary>
internal sealed partial class SearchIndexerService(RunsDatabase database, ILogger<SearchIndexerService> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    // On a pool thread: the write lock may be held by ingestion for a moment.
                    await Task.Run(database.CatchUpSearchIndex, stoppingToken);
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
