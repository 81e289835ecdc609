namespace Dashboard.Runs.Otlp;

/// <summary>
/// Every second: records another instance parked when it stopped come into this one's hold, OTLP log records whose
/// spans another instance stored go onto their steps, runs' held ends that are due are appended
/// (<see cref="OtlpRunEnds"/>), and records that waited their time for their spans go to their runs or are dropped.
/// When the service stops, what still waits is parked in the store (<see cref="OtlpParkedLogs"/>).
/// </summary>
internal sealed partial class OtlpLogHoldSweeper(OtlpLogIntake intake, OtlpRunEnds ends, OtlpLogHold hold, OtlpParkedLogs parked, OtlpContentOffers offers,
    TimeProvider time, ILogger<OtlpLogHoldSweeper> logger) : BackgroundService
{
    // A claim's size: a stopped instance's hold (at most 50,000 records) comes back over a few seconds, not in one transaction.
    private const int ClaimedPerPass = 5_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            // Parked records first (they may be the ones a held end waits for); then records another instance's spans
            // answer, then the held ends take what still waits. Each on its own: one that fails (the store away for a
            // moment) does not keep the others from their turn.
            await RunAsync(_ => Task.FromResult(ClaimParked()), "taking back the records parked by a stopped instance", stoppingToken);
            await RunAsync(_ => Task.FromResult(ClaimOrphanedOffers()), "taking back the records offered by an instance that died", stoppingToken);
            await RunAsync(intake.PlaceStoredAsync, "placing the records whose spans another instance stored", stoppingToken);
            await RunAsync(ends.EndDueAsync, "appending the runs' held ends", stoppingToken);
            await RunAsync(intake.ReleaseExpiredAsync, "releasing the records that waited for their spans", stoppingToken);
        }
    }

    private int ClaimParked()
    {
        if (!parked.Any())
        {
            return 0;
        }
        // Offered as they wait here, as the records this instance took itself (it may be killed before their time is up),
        // in the transaction that takes them: a kill between the two would otherwise lose them. If the offers cannot be
        // written, nothing is taken; they stay parked for the next pass.
        var (claimed, unreadable) = parked.Claim(ClaimedPerPass, (transaction, items) => OtlpContentOffers.OfferIn(transaction, items));
        if (unreadable > 0)
        {
            LogUnreadable(logger, unreadable);
        }
        hold.Return(claimed.Select(w => w with { Offer = OfferState.Offered }));
        return claimed.Count;
    }

    /// <summary>
    /// Records offered longer ago than any instance keeps a record waiting (and ten seconds more), or taken that long ago
    /// and never used: the instance that offered them takes what expires within a second, and uses what it takes within
    /// milliseconds, so it died (killed, out of memory) or let them go to stay within its hold's bounds. Here they wait
    /// out no more time: placed or dropped next, their offers deleted as they are. (Taken too soon, nothing is doubled:
    /// whoever marks the offer taken owns the record.)
    /// </summary>
    private int ClaimOrphanedOffers()
    {
        var cutoff = time.GetUtcNow() - hold.MaxWait - TimeSpan.FromSeconds(10);
        if (!offers.AnyBefore(cutoff))
        {
            return 0;
        }
        var orphans = offers.ClaimOrphans(cutoff, ClaimedPerPass);
        hold.Return(orphans);
        return orphans.Count;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // The servers have stopped taking exports (they stop before this service): nothing joins the hold after this.
        var waiting = hold.TakeAll();
        try
        {
            // What this instance offered and no other claimed is its own to park.
            waiting = offers.KeepOwned(waiting);
            if (parked.Park(waiting) is > 0 and var count)
            {
                LogParked(logger, count);
            }
        }
        catch (Exception ex)
        {
            LogFailed(logger, $"parking {waiting.Count} record(s) still waiting for their spans (they are lost)", ex);
        }
    }

    private async Task RunAsync<T>(Func<CancellationToken, Task<T>> work, string what, CancellationToken stoppingToken)
    {
        try
        {
            await work(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(logger, what, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "OTLP logs: {Count} record(s) still waiting for their spans parked in the store for the next instance")]
    private static partial void LogParked(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP logs: {Count} parked record(s) could not be read and were dropped")]
    private static partial void LogUnreadable(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "OTLP: {What} failed")]
    private static partial void LogFailed(ILogger logger, string what, Exception exception);
}
