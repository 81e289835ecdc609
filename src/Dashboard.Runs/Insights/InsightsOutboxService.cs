using Dashboard.Runs.Configuration;
using Dashboard.Runs.Storage;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs.Insights;

/// <summary>Adds the pending insights deltas to the aggregates every <c>Runs:InsightsIntervalMs</c> (<see cref="InsightsOutbox"/>).</summary>
internal sealed partial class InsightsOutboxService(InsightsOutbox outbox, IOptions<RunsOptions> options, ILogger<InsightsOutboxService> logger)
    : BehindIngestionService(TimeSpan.FromMilliseconds(Math.Max(1, options.Value.InsightsIntervalMs)))
{
    protected override void CatchUp(CancellationToken cancellation) => outbox.CatchUpUnlessBusy(cancellation);

    // What was pending stays pending: the next tick, or the next read, adds it.
    protected override void LogFailed(Exception exception) => LogPassFailed(logger, exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The insights aggregates could not be added to from the pending deltas")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
