namespace Dashboard.Runs.Otlp;

/// <summary>
/// Every second: OTLP log records whose spans another instance stored go onto their steps, runs' held ends that are due
/// are appended (<see cref="OtlpRunEnds"/>), and records that waited their time for their spans go to their runs or are
/// dropped.
/// </summary>
internal sealed partial class OtlpLogHoldSweeper(OtlpLogIntake intake, OtlpRunEnds ends, TimeProvider time, ILogger<OtlpLogHoldSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            // Records another instance's spans answer go in first, then the held ends take what still waits. Each on its
            // own: one that fails (the store away for a moment) does not keep the others from their turn.
            await RunAsync(intake.PlaceStoredAsync, "placing the records whose spans another instance stored", stoppingToken);
            await RunAsync(ends.EndDueAsync, "appending the runs' held ends", stoppingToken);
            await RunAsync(intake.ReleaseExpiredAsync, "releasing the records that waited for their spans", stoppingToken);
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

    [LoggerMessage(Level = LogLevel.Error, Message = "OTLP: {What} failed")]
    private static partial void LogFailed(ILogger logger, string what, Exception exception);
}
