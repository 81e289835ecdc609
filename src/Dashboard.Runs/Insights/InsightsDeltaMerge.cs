using Dashboard.Model.Insights;

namespace Dashboard.Runs.Insights;

/// <summary>
/// The deltas of the batches of one transaction, summed where they add to the same aggregate rows: one run-counts delta
/// and one set of step counts per workflow and time bucket, so that eight batches of one workflow committed together
/// cost one upsert per aggregate row instead of eight. A first-seen workflow and a failure are kept as they came (they
/// are rare, and a failure group's examples are kept in order).
/// </summary>
internal static class InsightsDeltaMerge
{
    public static IReadOnlyList<InsightsDelta> Merge(IReadOnlyList<InsightsDelta> deltas)
    {
        if (deltas.Count < 2)
        {
            return deltas;
        }
        var merged = new List<InsightsDelta>();
        var sums = new Dictionary<(string Workflow, long Bucket), int>();
        foreach (var delta in deltas)
        {
            if (delta.Workflow is not null || delta.Failure is not null)
            {
                merged.Add(delta with { Run = null, Steps = [], Models = [] });
            }
            if (delta.Run is null && delta.Steps.Count == 0 && delta.Models.Count == 0)
            {
                continue;
            }
            // The minute of the run's start: the same minute means the same bucket in every grain, of runs and of steps.
            var key = (delta.WorkflowId, InsightsSchema.BucketOf(delta.Start, InsightsSchema.MinuteGrain));
            var counts = delta with { Workflow = null, Failure = null };
            if (sums.TryGetValue(key, out var index))
            {
                merged[index] = Add(merged[index], counts);
            }
            else
            {
                sums[key] = merged.Count;
                merged.Add(counts);
            }
        }
        return merged;
    }

    private static InsightsDelta Add(InsightsDelta sum, InsightsDelta delta) => sum with
    {
        Run = (sum.Run, delta.Run) switch
        {
            (null, var run) => run,
            (var run, null) => run,
            var (a, b) => a with
            {
                NewRuns = a.NewRuns + b.NewRuns,
                Running = a.Running + b.Running,
                Waiting = a.Waiting + b.Waiting,
                Completed = a.Completed + b.Completed,
                Failed = a.Failed + b.Failed,
                Cancelled = a.Cancelled + b.Cancelled,
                Timeout = a.Timeout + b.Timeout,
                CostPico = a.CostPico + b.CostPico,
                CostReports = a.CostReports + b.CostReports,
                Prompt = a.Prompt + b.Prompt,
                Cached = a.Cached + b.Cached,
                Completion = a.Completion + b.Completion,
                Durations = Histograms(a.Durations, b.Durations),
            },
        },
        Steps = AddSteps(sum.Steps, delta.Steps),
        Models = AddModels(sum.Models, delta.Models),
    };

    private static List<ModelCounts> AddModels(IReadOnlyList<ModelCounts> sum, IReadOnlyList<ModelCounts> models) =>
        AddBy(sum, models, m => m.Model, InsightsDelta.Add);

    // The name the later batch reported, as the upsert would have left it.
    private static List<StepCounts> AddSteps(IReadOnlyList<StepCounts> sum, IReadOnlyList<StepCounts> steps) => AddBy(sum, steps, s => s.StepId,
        (a, step) => new StepCounts(a.StepId, step.StepName ?? a.StepName, a.Attempts + step.Attempts, a.Retries + step.Retries,
            a.Failed + step.Failed, a.CostPico + step.CostPico, a.CostReports + step.CostReports, a.Prompt + step.Prompt,
            a.Cached + step.Cached, a.Completion + step.Completion, Histograms(a.Durations, step.Durations)));

    /// <summary><paramref name="sum"/> with each item added to the one of its key, or appended (a batch has a few keys).</summary>
    internal static List<T> AddBy<T>(IReadOnlyList<T> sum, IReadOnlyList<T> items, Func<T, string> key, Func<T, T, T> add)
    {
        var result = new List<T>(sum);
        foreach (var item in items)
        {
            var at = result.FindIndex(r => string.Equals(key(r), key(item), StringComparison.Ordinal));
            if (at < 0)
            {
                result.Add(item);
            }
            else
            {
                result[at] = add(result[at], item);
            }
        }
        return result;
    }

    private static byte[]? Histograms(byte[]? a, byte[]? b) => (a, b) switch
    {
        (null, _) => b,
        (_, null) => a,
        _ => DurationHistogram.Merge(a, b),
    };
}
