using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;

namespace Dashboard.Model.Rollups;

/// <summary>
/// Totals of a run from its attempts. Unlike the seed SDK's client-side sum over the latest attempts, every
/// attempt counts (a retried LLM call was paid for twice), cached tokens stay inside prompt tokens, and money
/// is summed as decimal.
/// </summary>
public static class RollupCalculator
{
    public static RunRollup ForRun(RunState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return ForAttempts(state.RunId, state.Record?.DurationMs, state.Steps.SelectMany(s => s.Attempts));
    }

    public static RunRollup ForAttempts(string runId, long? wallDurationMs, IEnumerable<StepTrace> attempts)
    {
        ArgumentNullException.ThrowIfNull(attempts);
        decimal? cost = null;
        var tokens = TokenBreakdown.Zero;
        long stepDuration = 0;
        int count = 0, failed = 0, retries = 0;
        var byModel = new Dictionary<string, ModelAccumulator>(StringComparer.Ordinal);
        var byStep = new Dictionary<string, StepAccumulator>(StringComparer.Ordinal);
        var stepOrder = new List<string>();

        foreach (var attempt in attempts)
        {
            count++;
            if (attempt.Status == StepStatus.Failed)
            {
                failed++;
            }
            if (attempt.Attempt > 1)
            {
                retries++;
            }
            var attemptTokens = attempt.Tokens ?? TokenBreakdown.Zero;
            tokens += attemptTokens;
            cost = Add(cost, attempt.CostUsd);
            stepDuration += attempt.DurationMs ?? 0;

            if (attempt.ModelUsed is not null || attempt.CostUsd is not null || !attemptTokens.IsZero)
            {
                var modelKey = attempt.ModelUsed ?? "";
                if (!byModel.TryGetValue(modelKey, out var model))
                {
                    byModel[modelKey] = model = new ModelAccumulator(attempt.ModelUsed);
                }
                model.Calls++;
                model.Tokens += attemptTokens;
                model.Cost = Add(model.Cost, attempt.CostUsd);
            }

            if (!byStep.TryGetValue(attempt.StepId, out var step))
            {
                byStep[attempt.StepId] = step = new StepAccumulator(attempt.StepId);
                stepOrder.Add(attempt.StepId);
            }
            step.Name ??= attempt.StepName;
            step.Attempts++;
            if (attempt.Status == StepStatus.Failed)
            {
                step.Failed++;
            }
            if (attempt.LoopIndex is { } loopIndex)
            {
                step.Iterations.Add(loopIndex);
            }
            step.Tokens += attemptTokens;
            step.Cost = Add(step.Cost, attempt.CostUsd);
            step.Duration += attempt.DurationMs ?? 0;
            if (attempt.DurationMs is null && attempt.Status is StepStatus.Running or StepStatus.Pending)
            {
                step.Unfinished++;
            }
        }

        return new RunRollup
        {
            RunId = runId,
            CostUsd = cost,
            Tokens = tokens,
            WallDurationMs = wallDurationMs,
            StepDurationMs = stepDuration,
            Attempts = count,
            FailedAttempts = failed,
            Retries = retries,
            ByModel = byModel.Values
                .OrderByDescending(m => m.Cost ?? 0m).ThenByDescending(m => m.Tokens.Total).ThenBy(m => m.Model, StringComparer.Ordinal)
                .Select(m => new ModelRollup { Model = m.Model, Calls = m.Calls, Tokens = m.Tokens, CostUsd = m.Cost })
                .ToList(),
            ByStep = stepOrder.Select(id => byStep[id]).Select(s => new StepRollup
            {
                StepId = s.StepId,
                StepName = s.Name,
                Attempts = s.Attempts,
                Failed = s.Failed,
                Iterations = s.Iterations.Count,
                Tokens = s.Tokens,
                CostUsd = s.Cost,
                DurationMs = s.Duration,
                Unfinished = s.Unfinished,
            }).ToList(),
        };
    }

    /// <summary>
    /// A parent with its children. A child listed twice, or the parent listed among its children, counts once.
    /// The total has no by-step breakdown: step ids of different runs are not the same steps.
    /// </summary>
    public static FamilyRollup ForFamily(RunRollup parent, IEnumerable<RunRollup> children)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentNullException.ThrowIfNull(children);
        var seen = new HashSet<string>(StringComparer.Ordinal) { parent.RunId };
        var distinct = children.Where(c => seen.Add(c.RunId)).ToList();

        var all = distinct.Prepend(parent).ToList();
        var models = new Dictionary<string, ModelAccumulator>(StringComparer.Ordinal);
        foreach (var model in all.SelectMany(r => r.ByModel))
        {
            var key = model.Model ?? "";
            if (!models.TryGetValue(key, out var acc))
            {
                models[key] = acc = new ModelAccumulator(model.Model);
            }
            acc.Calls += model.Calls;
            acc.Tokens += model.Tokens;
            acc.Cost = Add(acc.Cost, model.CostUsd);
        }

        var total = new RunRollup
        {
            RunId = parent.RunId,
            CostUsd = all.Aggregate((decimal?)null, (sum, r) => Add(sum, r.CostUsd)),
            Tokens = all.Aggregate(TokenBreakdown.Zero, (sum, r) => sum + r.Tokens),
            WallDurationMs = parent.WallDurationMs,
            StepDurationMs = all.Sum(r => r.StepDurationMs),
            Attempts = all.Sum(r => r.Attempts),
            FailedAttempts = all.Sum(r => r.FailedAttempts),
            Retries = all.Sum(r => r.Retries),
            ByModel = models.Values
                .OrderByDescending(m => m.Cost ?? 0m).ThenBy(m => m.Model, StringComparer.Ordinal)
                .Select(m => new ModelRollup { Model = m.Model, Calls = m.Calls, Tokens = m.Tokens, CostUsd = m.Cost })
                .ToList(),
        };
        return new FamilyRollup { Run = parent, Children = distinct, Total = total };
    }

    private static decimal? Add(decimal? a, decimal? b) => a is null && b is null ? null : (a ?? 0m) + (b ?? 0m);

    private sealed class ModelAccumulator(string? model)
    {
        public string? Model { get; } = model;
        public int Calls { get; set; }
        public TokenBreakdown Tokens { get; set; } = TokenBreakdown.Zero;
        public decimal? Cost { get; set; }
    }

    private sealed class StepAccumulator(string stepId)
    {
        public string StepId { get; } = stepId;
        public string? Name { get; set; }
        public int Attempts { get; set; }
        public int Failed { get; set; }
        public HashSet<int> Iterations { get; } = [];
        public TokenBreakdown Tokens { get; set; } = TokenBreakdown.Zero;
        public decimal? Cost { get; set; }
        public long Duration { get; set; }
        public int Unfinished { get; set; }
    }
}
