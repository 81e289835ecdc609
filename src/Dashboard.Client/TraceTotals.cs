using Dashboard.Model.Rollups;
using Dashboard.Model.Runs;

namespace Dashboard.Client;

/// <summary>
/// Client-side totals of a trace, as the seed SDK computes them: summed over the latest attempt of each step. Retried
/// attempts are not in a trace; <see cref="RunProxy.RollupAsync"/> counts every attempt and is the exact figure.
/// </summary>
public static class TraceTotals
{
    public static RunRollup Totals(this Trace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        return RollupCalculator.ForAttempts(trace.FlowRun.Id, trace.FlowRun.DurationMs, trace.Steps);
    }
}
