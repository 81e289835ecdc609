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
            try
            {
                // Records another instance's spans answer go in first, then the held ends take what still waits.
                await intake.PlaceStoredAsync(stoppingToken);
                await ends.EndDueAsync(stoppingToken);
                await intake.ReleaseExpiredAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "OTLP logs: releasing the records that waited for their spans failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
