using Dashboard.Model.Insights;

namespace Dashboard.Runs.Insights;

/// <summary>
/// The deltas of many batches (a write transaction's, a pass's behind ingestion), summed where they add to the same
/// aggregate rows: one run-counts delta and one set of step counts per workflow and time bucket, so that a thousand
/// batches of one workflow cost one upsert per aggregate row instead of a thousand. A first-seen workflow and a failure are kept as they came (they
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
        // A sum's place is where its first delta came; it is filled in at the end.
        var merged = new List<InsightsDelta?>();
        var sums = new Dictionary<(string Workflow, long Bucket), (int Index, Sum Sum)>();
        var all = new List<(int Index, Sum Sum)>();
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
            if (!sums.TryGetValue(key, out var entry) || !entry.Sum.Fits(delta))
            {
                entry = (merged.Count, new Sum(delta));
                sums[key] = entry;
                all.Add(entry);
                merged.Add(null);
            }
            entry.Sum.Add(delta);
        }
        foreach (var (index, sum) in all)
        {
            merged[index] = sum.ToDelta();
        }
        return merged!;
    }

    /// <summary>
    /// The counts of one workflow's batches of one minute, summed by key: a pass behind ingestion sums a few thousand
    /// batches of the same steps, where adding each to a list searched and copied for every one took quadratic time.
    /// </summary>
    private sealed class Sum(InsightsDelta first)
    {
        // At least the largest of the sums' magnitudes: a delta whose counts could take one past 64 bits starts a sum of its
        // own (two rows to add, where one had wrapped to a negative cost), and the store refuses the aggregate row past
        // it on its own (PostgreSQL's bigint, SQLite's guard in InsightsSchema), which sets that pending row aside.
        private long _bound;
        private RunCounts? _run;
        private readonly List<StepCounts> _steps = [];
        private readonly Dictionary<string, int> _stepAt = new(StringComparer.Ordinal);
        private readonly List<ModelCounts> _models = [];
        private readonly Dictionary<string, int> _modelAt = new(StringComparer.Ordinal);

        public bool Fits(InsightsDelta delta) => _bound <= long.MaxValue - BoundOf(delta);

        public void Add(InsightsDelta delta)
        {
            _bound += BoundOf(delta);
            _run = AddRun(_run, delta.Run);
            foreach (var step in delta.Steps)
            {
                AddByKey(_steps, _stepAt, step, step.StepId, AddStep);
            }
            foreach (var model in delta.Models)
            {
                AddByKey(_models, _modelAt, model, model.Model, InsightsDelta.Add);
            }
        }

        public InsightsDelta ToDelta() => first with { Workflow = null, Failure = null, Run = _run, Steps = _steps, Models = _models };

        private static void AddByKey<T>(List<T> items, Dictionary<string, int> at, T item, string key, Func<T, T, T> add)
        {
            if (at.TryGetValue(key, out var index))
            {
                items[index] = add(items[index], item);
            }
            else
            {
                at[key] = items.Count;
                items.Add(item);
            }
        }
    }

    /// <summary>The largest magnitude among a delta's money and token counts (each at most 10^18: UsageCheck's limits).</summary>
    private static long BoundOf(InsightsDelta delta)
    {
        static long Max(long a, long b, long c, long d) => Math.Max(Math.Max(Math.Abs(a), Math.Abs(b)), Math.Max(Math.Abs(c), Math.Abs(d)));
        var bound = delta.Run is { } run ? Max(run.CostPico, run.Prompt, run.Cached, run.Completion) : 0;
        foreach (var step in delta.Steps)
        {
            bound = Math.Max(bound, Max(step.CostPico, step.Prompt, step.Cached, step.Completion));
        }
        foreach (var model in delta.Models)
        {
            bound = Math.Max(bound, Max(model.CostPico, model.Prompt, model.Cached, model.Completion));
        }
        return bound;
    }

    private static RunCounts? AddRun(RunCounts? sum, RunCounts? run) => (sum, run) switch
    {
        (null, var only) => only,
        (var only, null) => only,
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
    };

    // The name the later batch reported, as the upsert would have left it.
    private static StepCounts AddStep(StepCounts a, StepCounts step) => new(a.StepId, step.StepName ?? a.StepName, a.Attempts + step.Attempts,
        a.Retries + step.Retries, a.Failed + step.Failed, a.CostPico + step.CostPico, a.CostReports + step.CostReports, a.Prompt + step.Prompt,
        a.Cached + step.Cached, a.Completion + step.Completion, Histograms(a.Durations, step.Durations));

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
