using Dashboard.Model.Insights;

namespace Dashboard.Model;

/// <summary>
/// How the executions list names the failure group it lists (<c>?failure=</c>): the signature alone says nothing to a
/// person, and the overview that linked here is no longer on screen.
/// </summary>
public static class FailureGroupLabel
{
    /// <summary>The chip's text: where it fails, its code, and its newest message; or, for a group not (yet) known, what it is.</summary>
    public static string Chip(FailureGroup? group) => group is null
        ? "one failure group"
        : $"{group.StepId ?? group.WorkflowId} · {group.ErrorCode ?? group.ErrorType ?? "error"}: {group.Message}";

    /// <summary>The chip's tooltip: the group in full, with since when it fails.</summary>
    public static string Title(FailureGroup? group, string signature) => group is null
        ? $"Failed and timed-out runs of the failure group {signature}"
        : $"Failed and timed-out runs of one failure group of {group.WorkflowId}"
            + (group.StepId is null ? "" : $", step {group.StepId}")
            + $": {group.ErrorCode ?? group.ErrorType ?? "error"} \"{group.Message}\". {DisplayFormat.Count(group.Count)} runs failed so, first {DisplayFormat.Utc(group.FirstSeen)}, last {DisplayFormat.Utc(group.LastSeen)}.";
}
