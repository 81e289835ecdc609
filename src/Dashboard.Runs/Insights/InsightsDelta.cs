using Dashboard.Model.Events;
using Dashboard.Model.Insights;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using System.Text.Json.Serialization;

namespace Dashboard.Runs.Insights;

/// <summary>
/// How one run's counters move in every grain's bucket of its start; <see cref="CostReports"/> is 1 when the run's cost
/// has just become known (a cost reported, even of zero).
/// </summary>
internal sealed record RunCounts(string WorkflowId, long[] Buckets, int NewRuns, int Running, int Waiting, int Completed, int Failed, int Cancelled,
    int Timeout, long CostPico, int CostReports, long Prompt, long Cached, long Completion, byte[]? Durations);

/// <summary>A workflow seen for the first time by this run: its name and trigger.</summary>
internal sealed record WorkflowSeen(string WorkflowId, string? Name, string? Trigger);

/// <summary>One step's finished attempts of a batch, summed, for every step grain's bucket (<see cref="CostReports"/>: those with a cost).</summary>
internal sealed record StepCounts(string StepId, string? StepName, int Attempts, int Retries, int Failed, long CostPico, int CostReports, long Prompt,
    long Cached, long Completion, byte[]? Durations);

/// <summary>One model's finished attempts of a batch, summed, for every grain's bucket.</summary>
internal sealed record ModelCounts(string Model, int Calls, int Failed, long CostPico, int CostReports, long Prompt, long Cached, long Completion);

/// <summary>A run that has just failed or timed out: its failure group.</summary>
internal sealed record FailureSeen(string Signature, string RunId, string? StepId, string? Code, string? Type, string Message, long At);

/// <summary>
/// What one accepted batch moves in the insights aggregates, worked out from the record before and after and the
/// attempts that finished: pure, made before the write transaction, so that the transaction only adds numbers.
/// </summary>
internal sealed record InsightsDelta(string WorkflowId, DateTimeOffset Start, RunCounts? Run, WorkflowSeen? Workflow, IReadOnlyList<StepCounts> Steps,
    FailureSeen? Failure)
{
    /// <summary>The batch's finished attempts that named a model, per model (the fleet's cost by model).</summary>
    public IReadOnlyList<ModelCounts> Models { get; init; } = [];

    /// <summary>Whether the batch moves no aggregate at all (steps started, logs, a run still running).</summary>
    [JsonIgnore]
    public bool IsEmpty => Run is null && Workflow is null && Steps.Count == 0 && Models.Count == 0 && Failure is null;

    [JsonIgnore]
    public long[] StepBuckets { get; } = InsightsSchema.StepGrains.Select(g => InsightsSchema.BucketOf(Start, g)).ToArray();

    [JsonIgnore]
    public long[] ModelBuckets { get; } = InsightsSchema.ModelGrains.Select(g => InsightsSchema.BucketOf(Start, g)).ToArray();

    /// <summary>For an accepted batch: <paramref name="before"/> is the record as it was, null for a new run.</summary>
    public static InsightsDelta Of(RunRecord? before, RunState state, IReadOnlyList<RunEvent> applied) =>
        Of(before, state, applied.OfType<StepEndEvent>().Select(end => AttemptOf(state, end)).OfType<StepTrace>());

    /// <summary>A whole stored run counted as if it had just been reported (for data files older than the aggregates).</summary>
    public static InsightsDelta OfStoredRun(RunState state) =>
        Of(null, state, state.Steps.SelectMany(history => history.Attempts).Where(a => a.Status is StepStatus.Completed or StepStatus.Failed));

    private static InsightsDelta Of(RunRecord? before, RunState state, IEnumerable<StepTrace> attempts)
    {
        var finishedAttempts = attempts as IReadOnlyList<StepTrace> ?? attempts.ToList();
        var after = state.Record!;
        var start = after.StartedAt!.Value;
        var justFinished = after.Status.IsTerminal() && before?.Status.IsTerminal() != true;
        var failure = after.Status is RunStatus.Failed or RunStatus.Timeout && before?.Status is not (RunStatus.Failed or RunStatus.Timeout)
            ? FailureOf(state, after, start)
            : null;
        return new InsightsDelta(after.WorkflowId, start,
            RunCountsOf(before, after, start, justFinished && after.DurationMs is { } duration ? DurationHistogram.Of([duration]) : null),
            before is null ? new WorkflowSeen(after.WorkflowId, after.WorkflowName, after.TriggerType) : null,
            StepCountsOf(finishedAttempts),
            failure)
        {
            Models = ModelCountsOf(finishedAttempts),
        };
    }

    private static IReadOnlyList<ModelCounts> ModelCountsOf(IReadOnlyList<StepTrace> attempts)
    {
        IReadOnlyList<ModelCounts> models = [];
        foreach (var attempt in attempts)
        {
            if (attempt.ModelUsed is { Length: > 0 } model)
            {
                var tokens = attempt.Tokens;
                models = InsightsDeltaMerge.AddBy(models, [new ModelCounts(model, 1, attempt.Status == StepStatus.Failed ? 1 : 0, Pico(attempt.CostUsd),
                    attempt.CostUsd is null ? 0 : 1, tokens?.Prompt ?? 0, tokens?.Cached ?? 0, tokens?.Completion ?? 0)], m => m.Model, Add);
            }
        }
        return models;
    }

    public static ModelCounts Add(ModelCounts a, ModelCounts b) => new(a.Model, a.Calls + b.Calls, a.Failed + b.Failed, a.CostPico + b.CostPico,
        a.CostReports + b.CostReports, a.Prompt + b.Prompt, a.Cached + b.Cached, a.Completion + b.Completion);

    private static RunCounts? RunCountsOf(RunRecord? before, RunRecord after, DateTimeOffset start, byte[]? duration)
    {
        var statusBefore = before?.Status;
        var cost = Pico(after.CostUsd) - Pico(before?.CostUsd);
        var costReports = after.CostUsd is not null && before?.CostUsd is null ? 1 : 0;
        var (prompt, cached, completion) = (after.PromptTokens - (before?.PromptTokens ?? 0), after.CachedTokens - (before?.CachedTokens ?? 0),
            after.CompletionTokens - (before?.CompletionTokens ?? 0));
        if (before is not null && statusBefore == after.Status && cost == 0 && costReports == 0 && prompt == 0 && cached == 0 && completion == 0)
        {
            return null;
        }
        int Moved(RunStatus status) => (after.Status == status ? 1 : 0) - (statusBefore == status ? 1 : 0);
        return new RunCounts(after.WorkflowId, InsightsSchema.Grains.Select(g => InsightsSchema.BucketOf(start, g)).ToArray(), before is null ? 1 : 0,
            Moved(RunStatus.Running), Moved(RunStatus.Waiting), Moved(RunStatus.Completed), Moved(RunStatus.Failed), Moved(RunStatus.Cancelled),
            Moved(RunStatus.Timeout), cost, costReports, prompt, cached, completion, duration);
    }

    /// <summary>
    /// The batch's finished attempts, summed per step: a loop of a hundred iterations in one batch is one upsert and one
    /// histogram update per grain, not a hundred. One pass, in the order steps first appear: this runs for every batch, and
    /// a batch of a hundred distinct steps made a hundred groups of LINQ enumerators.
    /// </summary>
    private static List<StepCounts> StepCountsOf(IEnumerable<StepTrace> attempts)
    {
        var sums = new List<StepSum>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var attempt in attempts)
        {
            if (!index.TryGetValue(attempt.StepId, out var i))
            {
                i = sums.Count;
                index[attempt.StepId] = i;
                sums.Add(new StepSum(attempt.StepId));
            }
            sums[i].Add(attempt);
        }
        var steps = new List<StepCounts>(sums.Count);
        foreach (var sum in sums)
        {
            steps.Add(new StepCounts(sum.StepId, sum.StepName, sum.Attempts, sum.Retries, sum.Failed, sum.CostPico, sum.CostReports, sum.Prompt,
                sum.Cached, sum.Completion, sum.Durations is { } durations ? DurationHistogram.Of(durations) : null));
        }
        return steps;
    }

    private sealed class StepSum(string stepId)
    {
        public string StepId { get; } = stepId;
        public string? StepName { get; private set; }
        public int Attempts { get; private set; }
        public int Retries { get; private set; }
        public int Failed { get; private set; }
        public long CostPico { get; private set; }
        public int CostReports { get; private set; }
        public long Prompt { get; private set; }
        public long Cached { get; private set; }
        public long Completion { get; private set; }
        public List<long>? Durations { get; private set; }

        public void Add(StepTrace attempt)
        {
            StepName = attempt.StepName ?? StepName;
            Attempts++;
            Retries += attempt.Attempt > 1 ? 1 : 0;
            Failed += attempt.Status == StepStatus.Failed ? 1 : 0;
            CostPico += Pico(attempt.CostUsd);
            CostReports += attempt.CostUsd is null ? 0 : 1;
            if (attempt.Tokens is { } tokens)
            {
                Prompt += tokens.Prompt;
                Cached += tokens.Cached;
                Completion += tokens.Completion;
            }
            if (attempt.DurationMs is { } duration)
            {
                (Durations ??= []).Add(duration);
            }
        }
    }

    private static FailureSeen FailureOf(RunState state, RunRecord after, DateTimeOffset start)
    {
        var error = after.Error;
        if (error is null && after.FailedStepId is { } failedStep && state.GetStep(failedStep, after.FailedStepLoopIndex) is { Attempts.Count: > 0 } history)
        {
            error = history.Attempts[^1].ErrorContext;
        }
        var message = error?.Message is { Length: > 0 } text ? text : after.Status == RunStatus.Timeout ? "The run timed out." : "The run failed.";
        var signature = FailureSignature.Of(after.WorkflowId, after.FailedStepId, error?.Code ?? error?.Type, FailureSignature.Normalize(message));
        return new FailureSeen(signature, after.Id, after.FailedStepId, error?.Code, error?.Type, message,
            (after.CompletedAt ?? after.LastEventAt ?? start).ToUnixTimeMilliseconds());
    }

    private static StepTrace? AttemptOf(RunState state, StepEndEvent end)
    {
        if (end.StepId is null || state.GetStep(end.StepId, end.LoopIndex) is not { } history || history.Attempts.Count == 0)
        {
            return null;
        }
        return end.Attempt is { } number ? history.Attempts.LastOrDefault(a => a.Attempt == number) : history.Attempts[^1];
    }

    private static long Pico(decimal? usd) => usd is { } value ? (long)decimal.Round(value * InsightsSchema.PicoPerUsd) : 0;
}
