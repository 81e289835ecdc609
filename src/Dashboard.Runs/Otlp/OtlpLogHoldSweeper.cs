namespace Dashboard.Runs.Otlp;

/// <summary>Every second, the OTLP log records that waited their time for their spans go to their runs or are dropped.</summary>
internal sealed partial class OtlpLogHoldSweeper(OtlpLogIntake intake, TimeProvider time, ILogger<OtlpLogHoldSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
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
