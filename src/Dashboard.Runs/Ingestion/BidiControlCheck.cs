using Dashboard.Model.Events;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;

namespace Dashboard.Runs.Ingestion;

/// <summary>
/// Refuses new ids, and the step and workflow names shown in their place, that would display as others
/// (<see cref="Ids.ProblemOfNew"/>): a step named with U+202E reads reversed on every page that lists it. Messages and
/// payloads are free text and are not checked. The reducer's own id rules stay as they were, because it also replays
/// what is stored; this check is for what comes in.
/// </summary>
internal static class BidiControlCheck
{
    public static EventRejection? FirstReordered(IReadOnlyList<RunEvent> events)
    {
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if ((Check("eventId", e.EventId) ?? CheckOwnIds(e)) is { } found)
            {
                return new EventRejection(i, e.Type, found.Field, found.Problem);
            }
        }
        return null;
    }

    private static (string Field, string Problem)? CheckOwnIds(RunEvent e) => e switch
    {
        StepStarted started => Check("stepId", started.StepId) ?? Check("stepName", started.StepName),
        StepSkipped skipped => Check("stepId", skipped.StepId) ?? Check("stepName", skipped.StepName),
        StepEvent step => Check("stepId", step.StepId),
        LogEvent log => Check("stepId", log.StepId),
        RunWaiting waiting => Check("stepId", waiting.StepId),
        RunStarted started => Check("workflowId", started.WorkflowId) ?? Check("workflowName", started.WorkflowName) ?? Check("parentRunId", started.ParentRunId) ?? Check("parentStepId", started.ParentStepId)
            ?? Check("rerunOf", started.RerunOf) ?? Check("runnableId", started.RunnableId) ?? Check("experimentId", started.ExperimentId)
            ?? Check("experimentCandidateId", started.ExperimentCandidateId) ?? Check("accountId", started.AccountId) ?? Check("userId", started.UserId),
        _ => null,
    };

    private static (string Field, string Problem)? Check(string field, string? value) =>
        value is not null && Ids.ReorderingProblem(value) is { } problem ? (field, problem) : null;
}
