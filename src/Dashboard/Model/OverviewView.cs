using System.Globalization;
using Dashboard.Model.Insights;

namespace Dashboard.Model;

/// <summary>One headline number, its value in the period before, and whether the change is good news.</summary>
public sealed record HeadlineFigure(string Label, string Value, string? Change, bool? Worse, string? Detail = null)
{
    /// <summary>
    /// A figure that counts runs leads to them in the list: <see cref="ListStatus"/> is its status filter ("" for every
    /// status); null for a figure that is not a count of runs.
    /// </summary>
    public string? ListStatus { get; init; }
}

/// <summary>
/// What the overview shows, built from one read of the insights API: the headline figures with their change against
/// the period before, chart series, failure groups, workflow and step health. Plain data, unit-tested apart from markup.
/// </summary>
public sealed record OverviewView
{
    public required InsightsSummary Summary { get; init; }
    public required InsightsTimeseries Series { get; init; }
    public required IReadOnlyList<FailureGroup> Failures { get; init; }
    public required IReadOnlyList<WorkflowHealth> Workflows { get; init; }

    /// <summary>How many workflows ran: more than <see cref="Workflows"/> when the service gave only the first.</summary>
    public long TotalWorkflows { get; init; }

    /// <summary>Only when one workflow is chosen: its steps (the first the service gave, in the order asked).</summary>
    public IReadOnlyList<StepHealth>? Steps { get; init; }

    /// <summary>How many steps the workflow had: more than <see cref="Steps"/> when the service gave only the first.</summary>
    public long TotalSteps { get; init; }

    /// <summary>The whole hours (or days) the step figures cover (steps are not counted by the minute).</summary>
    public (DateTimeOffset From, DateTimeOffset To)? StepsCounted { get; init; }

    /// <summary>
    /// Where the step table covers more than the period: "counted in whole hours, from …" (and "to …" where the period
    /// ended in the past, mid-hour), so that a 15-minute overview does not pass an hour's steps off as its own. Null when
    /// the step figures cover the period exactly.
    /// </summary>
    public string? StepsCountedNote(InsightsRange range, DateTimeOffset now, TimeDisplay time)
    {
        if (StepsCounted is not var (from, to))
        {
            return null;
        }
        var unit = to - from >= TimeSpan.FromDays(1) && from.TimeOfDay == TimeSpan.Zero && to.TimeOfDay == TimeSpan.Zero ? "days" : "hours";
        var early = from < range.From;
        // A period up to now ends mid-hour, but nothing later than now is there to count: only a past end counts extra.
        var late = to > range.To && range.To < now;
        return (early, late) switch
        {
            (false, false) => null,
            (true, false) => $"counted in whole {unit}, from {time.Short(from)}",
            (false, true) => $"counted in whole {unit}, to {time.Short(to)}",
            _ => $"counted in whole {unit}, {time.Short(from)} to {time.Short(to)}",
        };
    }

    /// <summary>The models the period's steps called, the costliest first (none when no step named one).</summary>
    public IReadOnlyList<ModelUsage> Models { get; init; } = [];

    /// <summary>
    /// That some reported batches are left out of every figure (the runs service set them aside and logged why), or null:
    /// an ops team reading a total should know it is short, not only whoever reads the service's log.
    /// </summary>
    public string? NotCountedNote(TimeDisplay time) => Summary.NotCounted is { } left
        ? string.Create(CultureInfo.InvariantCulture,
            $"{left.Batches:N0} reported {(left.Batches == 1 ? "batch" : "batches")} could not be added to the insights (the last set aside {time.Short(left.LastSetAsideAt)}): every figure here leaves {(left.Batches == 1 ? "it" : "them")} out. The runs service's log says why.")
        : null;

    public bool IsEmpty => Summary.Runs == 0 && Summary.Previous is not { Runs: > 0 } && Failures.Count == 0;

    public IReadOnlyList<HeadlineFigure> Headline()
    {
        var now = Summary;
        var before = Summary.Previous;
        long Problems(InsightsSummary s) => s.ByStatus.GetValueOrDefault("failed") + s.ByStatus.GetValueOrDefault("timeout");
        // Cancelled runs are someone's decision, not a failure: named beside the figure, and said not to be in it (a
        // detail of "2 failed · 2 timed out · 3 cancelled" under a 4 read as a sum that did not add up).
        var cancelled = now.ByStatus.GetValueOrDefault("cancelled");
        var failedDetail = $"{DisplayFormat.Count(now.ByStatus.GetValueOrDefault("failed"))} failed · {DisplayFormat.Count(now.ByStatus.GetValueOrDefault("timeout"))} timed out"
            + (cancelled > 0 ? $" ({DisplayFormat.Count(cancelled)} cancelled, not counted)" : "");
        return
        [
            new("Runs", DisplayFormat.Count(now.Runs), Delta(now.Runs, before?.Runs), null) { ListStatus = "" },
            new("Failed", DisplayFormat.Count(Problems(now)), Delta(Problems(now), before is null ? null : Problems(before)),
                Worse(Problems(now), before is null ? null : Problems(before)), failedDetail) { ListStatus = "failed,timeout" },
            new("Failure rate", Percent(now.FailureRate), PointsDelta(now.FailureRate, before?.FailureRate), Worse(now.FailureRate, before?.FailureRate)),
            new("p50 duration", DisplayFormat.Duration(now.DurationMs.P50), Delta(now.DurationMs.P50, before?.DurationMs.P50), Worse(now.DurationMs.P50, before?.DurationMs.P50)),
            new("p95 duration", DisplayFormat.Duration(now.DurationMs.P95), Delta(now.DurationMs.P95, before?.DurationMs.P95), Worse(now.DurationMs.P95, before?.DurationMs.P95)),
            new("Cost", DisplayFormat.Money(now.CostUsd), Delta(now.CostUsd, before?.CostUsd), Worse(now.CostUsd, before?.CostUsd), DisplayFormat.CostTooltip(now.CostUsd)),
            // Workflows that call no model: "—" as for their cost, where "0 prompt (0 cached) · 0 completion" read as calls that used none.
            now.Tokens.Prompt + now.Tokens.Completion == 0
                ? new("Tokens", "—", Delta(0, before is null ? null : before.Tokens.Prompt + before.Tokens.Completion), null, "No model calls reported")
                : new("Tokens", DisplayFormat.Tokens(now.Tokens.Prompt + now.Tokens.Completion),
                    Delta(now.Tokens.Prompt + now.Tokens.Completion, before is null ? null : before.Tokens.Prompt + before.Tokens.Completion), null,
                    $"{DisplayFormat.Tokens(now.Tokens.Prompt)} prompt ({DisplayFormat.Tokens(now.Tokens.Cached)} cached) · {DisplayFormat.Tokens(now.Tokens.Completion)} completion"),
        ];
    }

    private static readonly string[] ChartStatuses = ["completed", "failed", "timeout", "cancelled", "waiting", "running"];

    /// <summary>The statuses that occur in the period, in a fixed order, each with its count per bucket: the stacked bars.</summary>
    public IReadOnlyList<(string Status, double[] Counts)> StatusSeries() =>
        ChartStatuses
            .Select(status => (status, Series.Buckets.Select(b => (double)b.ByStatus.GetValueOrDefault(status)).ToArray()))
            .Where(series => series.Item2.Any(n => n > 0))
            .ToList();

    /// <summary>Failure rate in percent per bucket (0 where a bucket had no finished run).</summary>
    public double[] FailureRatePercent() => Series.Buckets.Select(b => Math.Round((b.FailureRate ?? 0) * 100, 1)).ToArray();

    /// <summary>
    /// p95 duration per bucket (0 where a bucket had no finished run) in the unit that suits the period's longest:
    /// milliseconds under a second, seconds under ten minutes, minutes beyond. In seconds, a p95 of 200 ms drew a line
    /// along the bottom of the chart.
    /// </summary>
    public (string Unit, double[] Values) P95Series()
    {
        var longest = Series.Buckets.Max(b => b.P95DurationMs) ?? 0;
        var (unit, ms, decimals) = longest < 1000 ? ("ms", 1.0, 0) : longest < 600_000 ? ("seconds", 1000.0, 2) : ("minutes", 60_000.0, 2);
        return (unit, Series.Buckets.Select(b => Math.Round((b.P95DurationMs ?? 0) / ms, decimals)).ToArray());
    }

    /// <summary>
    /// The spacing of a chart's value axis for values up to <paramref name="highest"/>: 1, 2 or 5 times a power of ten,
    /// at least 1 (the chart's own rule), so that the axis has two to five steps. The chart's default of 20 drew 3 runs
    /// as a sliver at the bottom of an axis to 20.
    /// </summary>
    public static int TickSpacing(double highest)
    {
        if (!(highest > 4))
        {
            return 1;
        }
        var rough = highest / 5;
        var power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = new[] { 1, 2, 5, 10 }.Select(m => m * power).First(candidate => candidate >= rough);
        return (int)Math.Max(1, step);
    }

    public static string Percent(double? rate) => rate is { } r ? (r * 100).ToString(r is > 0 and < 0.1 ? "0.0" : "0", CultureInfo.InvariantCulture) + "%" : "—";

    /// <summary>"+12%" / "−3%" against the period before; "new" when there was nothing before; null when both are empty.</summary>
    public static string? Delta(decimal? now, decimal? before)
    {
        if (now is null || before is null || (now == 0 && before == 0))
        {
            return null;
        }
        if (before == 0)
        {
            return "new";
        }
        var change = (now.Value - before.Value) / before.Value * 100;
        return change == 0 ? "no change" : (change > 0 ? "+" : "−") + Math.Abs(change).ToString("0", CultureInfo.InvariantCulture) + "%";
    }

    private static string? Delta(long? now, long? before) => Delta((decimal?)now, before);

    private static string? PointsDelta(double? now, double? before)
    {
        if (now is null || before is null)
        {
            return null;
        }
        var points = (now.Value - before.Value) * 100;
        return Math.Abs(points) < 0.05 ? "no change" : (points > 0 ? "+" : "−") + Math.Abs(points).ToString("0.#", CultureInfo.InvariantCulture) + " pts";
    }

    /// <summary>Higher is worse for failures, durations and cost; null when there is nothing to compare.</summary>
    private static bool? Worse(decimal? now, decimal? before) => now is null || before is null || now == before ? null : now > before;

    private static bool? Worse(long? now, long? before) => Worse((decimal?)now, before);

    private static bool? Worse(double? now, double? before) => now is null || before is null || Math.Abs(now.Value - before.Value) < 0.0005 ? null : now > before;
}
