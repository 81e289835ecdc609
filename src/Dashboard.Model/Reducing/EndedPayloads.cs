using Dashboard.Model.Runs;

namespace Dashboard.Model.Reducing;

/// <summary>
/// An ended attempt without what can be megabytes (input, output, mapped output, the error's stack and data): the same
/// fields a stored timeline row leaves out, so the timeline written from it is the one written from the whole attempt.
/// Sizes, tokens, cost, times and the error's code, type and message (what rollups and failure signatures read) stay.
/// </summary>
internal static class EndedPayloads
{
    /// <summary>The attempt without its payloads; null when it is still running or holds none.</summary>
    public static StepTrace? Without(StepTrace attempt)
    {
        // Only an ended attempt: the reducer refuses every event for one (a running one still takes its output).
        if (attempt.Status is not (StepStatus.Completed or StepStatus.Failed or StepStatus.Skipped))
        {
            return null;
        }
        var errorDetail = attempt.ErrorContext is { } error && (error.Stack is not null || error.Data is not null);
        if (attempt.InputContext is null && attempt.OutputContext is null && attempt.MappedOutput is null && !errorDetail)
        {
            return null;
        }
        return attempt with
        {
            InputContext = null,
            OutputContext = null,
            MappedOutput = null,
            ErrorContext = errorDetail ? attempt.ErrorContext! with { Stack = null, Data = null } : attempt.ErrorContext,
        };
    }
}
