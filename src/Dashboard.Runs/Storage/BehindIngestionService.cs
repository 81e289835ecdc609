namespace Dashboard.Runs.Storage;

/// <summary>
/// Work made behind ingestion (the search index, the insights aggregates), caught up on a pool thread every
/// <paramref name="interval"/>: a pass may wait for the store's one writer, or for another instance's turn. A pass that
/// fails is logged and tried again at the next tick; a read catches up by itself first anyway.
/// </summary>
internal abstract class BehindIngestionService(TimeSpan interval) : BackgroundService
{
    /// <summary>Catches up until there is nothing left or another instance holds the turn.</summary>
    protected abstract void CatchUp(CancellationToken cancellation);

    protected abstract void LogFailed(Exception exception);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await Task.Run(() => CatchUp(stoppingToken), stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
