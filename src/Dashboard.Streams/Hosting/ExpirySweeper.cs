using Dashboard.Streams.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dashboard.Streams.Hosting;

/// <summary>Deletes streams whose TTL or expiry time has passed, so that their forks' references are released too.</summary>
internal sealed partial class ExpirySweeper(DurableStreamEngine engine, IOptions<StreamsOptions> options, ILogger<ExpirySweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.ExpirySweepMs));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var expired = engine.ExpireDue();
                if (expired.Count > 0)
                {
                    LogExpired(logger, expired.Count);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSweepFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Expired {Count} streams")]
    private static partial void LogExpired(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stream expiry sweep failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
