using Dashboard.Runs.Configuration;
using Dashboard.Runs.Ingestion;
using Dashboard.Runs.Storage;
using Dashboard.Streams.Core;
using Dashboard.Streams.Storage;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs.Retention;

/// <summary>
/// <c>Runs:RetentionDays</c>: runs that ended and started longer ago than that are deleted, their stream and their rows
/// in one transaction (the search index's documents right after, where it has a file of its own), a batch of <see cref="BatchSize"/> runs per transaction so that ingestion waits at most for one
/// small batch. The insights aggregates are kept (they are sums per period, not runs); a failure group's example may then
/// name a run that no longer exists.
/// </summary>
internal sealed partial class RetentionSweeper(IStreamStore store, DurableStreamEngine engine, IRunRowStore rows, RunStateCache states,
    Search.SearchIndexer indexer, IOptions<RunsOptions> options, TimeProvider time, ILogger<RetentionSweeper> logger) : BackgroundService
{
    internal const int BatchSize = 50;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.RetentionDays is not { } days)
        {
            return;
        }
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.Value.RetentionSweepSeconds)), time);
        do
        {
            try
            {
                var deleted = Sweep(time.GetUtcNow().AddDays(-days), stoppingToken);
                if (deleted > 0)
                {
                    LogDeleted(logger, deleted, days);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Deletes every run past the cut-off, batch by batch; returns how many.</summary>
    internal int Sweep(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var total = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var batch = rows.EndedBefore(before, BatchSize);
            if (batch.Count == 0)
            {
                break;
            }
            store.Write(_ =>
            {
                foreach (var runId in batch)
                {
                    // Joins this transaction: the stream and the rows go together.
                    engine.Delete(RunStreams.PathOf(runId));
                    rows.Delete(runId);
                }
                return 0;
            });
            indexer.Forget(batch);
            foreach (var runId in batch)
            {
                states.Evict(runId);
            }
            total += batch.Count;
        }
        return total;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: deleted {Count} ended runs that started more than {Days} days ago")]
    private static partial void LogDeleted(ILogger logger, int count, int days);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention sweep failed; it runs again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
