using System.Globalization;
using Dashboard.Model.Events;
using Dashboard.Model.Reducing;

namespace Dashboard.Runs.Ingestion;

/// <summary>
/// Refuses a step's cost or token counts past what the fleet's sums can hold. Costs are counted in 10⁻¹² USD in 64 bits:
/// a step's <c>costUsd</c> of 100,000,000 (a unit mistake, or a hostile engine) overflowed there, a 500 with nothing
/// stored. Token counts are summed per run and per workflow: two steps of 9×10¹⁸ prompt tokens made the fleet's total
/// negative. A step may report up to a million dollars and a trillion tokens of each kind (its total is their sum), far
/// past any real call, and a run's steps a million dollars in all.
/// Checked where events come in, not by the reducer, which also replays what is stored.
/// </summary>
internal static class UsageCheck
{
    public const decimal MaxCostUsd = 1_000_000m;

    public const long MaxTokens = 1_000_000_000_000;

    public static EventRejection? FirstProblem(IReadOnlyList<RunEvent> events)
    {
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i] is StepEndEvent end && Problem(end) is { } found)
            {
                return new EventRejection(i, end.Type, found.Field, found.Problem);
            }
        }
        return null;
    }

    /// <summary>
    /// What is wrong with a run's cost once a batch is reduced: the sum of its steps' costs may not pass what one step may
    /// report either (twelve steps of $1,000,000 overflowed the same sums, a 500 with nothing stored); null when it is fine.
    /// </summary>
    public static string? RunCostProblem(Model.Runs.RunRecord? run) => run?.CostUsd > MaxCostUsd
        ? $"Rejected: with this batch the run's cost would be {run.CostUsd.Value.ToString(CultureInfo.InvariantCulture)} USD, past the {MaxCostUsd.ToString("N0", CultureInfo.InvariantCulture)} a run may report. Nothing of this batch was stored."
        : null;

    /// <summary>Whether a cost is one a step may report (none is).</summary>
    public static bool Fits(decimal? cost) => cost is null or (>= 0 and <= MaxCostUsd);

    /// <summary>Whether token counts are ones a step may report (none are).</summary>
    public static bool Fits(Model.Runs.TokenBreakdown? tokens) => tokens is null ||
        (tokens.Prompt is >= 0 and <= MaxTokens && tokens.Cached is >= 0 and <= MaxTokens && tokens.Completion is >= 0 and <= MaxTokens);

    private static (string Field, string Problem)? Problem(StepEndEvent e)
    {
        if (e.CostUsd > MaxCostUsd)
        {
            return ("costUsd", $"must be at most {MaxCostUsd.ToString("N0", CultureInfo.InvariantCulture)} (USD)");
        }
        if (e.Tokens is not { } tokens)
        {
            return null;
        }
        foreach (var (field, count) in new[] { ("tokens.prompt", tokens.Prompt), ("tokens.cached", tokens.Cached), ("tokens.completion", tokens.Completion) })
        {
            if (count > MaxTokens)
            {
                return (field, $"must be at most {MaxTokens.ToString("N0", CultureInfo.InvariantCulture)}");
            }
        }
        return null;
    }
}
