using System.Text.Json;
using Dashboard.Model.Runs;

namespace Dashboard.Model.Comparing;

/// <summary>
/// Aligns two runs' latest attempts by (step id, loop index) and says where they first diverge. Pure: the service reads
/// the attempts, this decides. Rows follow the left run's order; a step only the right run has comes after the row the
/// right run had before it, so a step inserted in a new version of a workflow shows where it was inserted.
/// </summary>
public static class RunAligner
{
    public static RunComparison Compare(RunRecord left, IReadOnlyList<StepTrace> leftSteps, RunRecord right, IReadOnlyList<StepTrace> rightSteps)
    {
        var rightByKey = new Dictionary<(string, int?), StepTrace>();
        foreach (var step in rightSteps)
        {
            rightByKey[(step.StepId, step.LoopIndex)] = step;
        }
        var leftKeys = leftSteps.Select(s => (s.StepId, s.LoopIndex)).ToHashSet();

        // Right-only steps, each placed after the nearest earlier right step that the left run also has.
        // Keyed by the step they follow; Start (an empty step id, which no step has) for those before every shared step.
        var insertedAfter = new Dictionary<(string, int?), List<StepTrace>>();
        var anchor = Start;
        foreach (var step in rightSteps)
        {
            var key = (step.StepId, step.LoopIndex);
            if (leftKeys.Contains(key))
            {
                anchor = key;
                continue;
            }
            if (!insertedAfter.TryGetValue(anchor, out var list))
            {
                insertedAfter[anchor] = list = [];
            }
            list.Add(step);
        }

        var rows = new List<ComparedStep>();
        void AddRightOnly((string, int?) after)
        {
            foreach (var step in insertedAfter.GetValueOrDefault(after) ?? [])
            {
                rows.Add(new ComparedStep(step.StepId, step.LoopIndex, step.StepName, null, Side(step), StepDifference.OnlyRight));
            }
        }
        AddRightOnly(Start);
        foreach (var step in leftSteps)
        {
            var key = (step.StepId, step.LoopIndex);
            var other = rightByKey.GetValueOrDefault(key);
            rows.Add(new ComparedStep(step.StepId, step.LoopIndex, step.StepName ?? other?.StepName, Side(step), other is null ? null : Side(other),
                other is null ? StepDifference.OnlyLeft : DifferenceOf(step, other)));
            AddRightOnly(key);
        }
        var first = rows.FindIndex(r => r.Difference != StepDifference.Same);
        return new RunComparison(left, right, rows, first < 0 ? null : first);
    }

    private static readonly (string, int?) Start = ("", null);

    private static ComparedAttempt Side(StepTrace step) =>
        new(step.Status, step.AttemptCount ?? step.Attempt, step.DurationMs, step.CostUsd, step.ErrorContext?.Code, step.ErrorContext?.Message);

    public static StepDifference DifferenceOf(StepTrace left, StepTrace right)
    {
        if (left.Status != right.Status)
        {
            return StepDifference.Status;
        }
        if (left.Status == StepStatus.Failed && (left.ErrorContext?.Code != right.ErrorContext?.Code || left.ErrorContext?.Message != right.ErrorContext?.Message))
        {
            return StepDifference.Error;
        }
        if (!SameJson(left.OutputContext, right.OutputContext) || !SameJson(left.MappedOutput, right.MappedOutput))
        {
            return StepDifference.Output;
        }
        return SameJson(left.InputContext, right.InputContext) ? StepDifference.Same : StepDifference.Input;
    }

    /// <summary>Equal as JSON values (object key order does not matter; numbers compare by value).</summary>
    private static bool SameJson(JsonElement? a, JsonElement? b) =>
        a is null || b is null ? a is null == b is null : JsonElement.DeepEquals(a.Value, b.Value);
}
