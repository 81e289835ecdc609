using Dashboard.Model.Insights;

namespace Dashboard.Model;

/// <summary>
/// How the executions list names the failure group it lists (<c>?failure=</c>): the signature alone says nothing to a
/// person, and the overview that linked here is no longer on screen.
/// </summary>
public static class FailureGroupLabel
{
    /// <summary>The chip's name for a group not (yet) known.</summary>
    public const string Unknown = "one failure group";

    /// <summary>Where the group fails: its step, or its workflow when no step failed (an id: shown with its hidden characters marked).</summary>
    public static string Place(FailureGroup group) => group.StepId ?? group.WorkflowId;

    /// <summary>What fails there: the code (or type) and the newest message.</summary>
    public static string Problem(FailureGroup group) => $"{group.ErrorCode ?? group.ErrorType ?? "error"}: {group.Message}";

    /// <summary>The chip's tooltip: the group in full, with since when it fails.</summary>
    public static string Title(FailureGroup? group, string signature) => group is null
        ? $"Failed and timed-out runs of the failure group {signature}"
        : $"Failed and timed-out runs of one failure group of {group.WorkflowId}"
            + (group.StepId is null ? "" : $", step {group.StepId}")
            + $": {group.ErrorCode ?? group.ErrorType ?? "error"} \"{group.Message}\". {DisplayFormat.Count(group.Count)} runs failed so, first {DisplayFormat.Utc(group.FirstSeen)}, last {DisplayFormat.Utc(group.LastSeen)}.";
}
