using System.Text.Json;
using Dashboard.Model.Runs;

namespace Dashboard.Model.Control;

/// <summary>The actions a control request asks an engine for.</summary>
public static class ControlActions
{
    public const string Cancel = "cancel";
    public const string Resume = "resume";
    public const string Rerun = "rerun";
    public const string RerunFromStep = "rerun_from_step";

    public static readonly IReadOnlyList<string> All = [Cancel, Resume, Rerun, RerunFromStep];

    /// <summary>
    /// Why <paramref name="action"/> does not fit a run in <paramref name="status"/>, or null when it does: a run that
    /// goes on can be cancelled, a waiting one resumed, an ended one run again (from a step it has).
    /// </summary>
    public static string? Problem(string action, RunStatus status, bool? hasStep = null) => action switch
    {
        Cancel when status is not (RunStatus.Running or RunStatus.Waiting) => $"Only a running or waiting run can be cancelled; this one is {status.ToWire()}.",
        Resume when status != RunStatus.Waiting => $"Only a waiting run can be resumed; this one is {status.ToWire()}.",
        Rerun or RerunFromStep when !status.IsTerminal() => $"Only an ended run can be run again; this one is {status.ToWire()}.",
        RerunFromStep when hasStep == false => "stepId names no step of this run.",
        Cancel or Resume or Rerun or RerunFromStep => null,
        _ => "action must be cancel, resume, rerun or rerun_from_step.",
    };
}

/// <summary>
/// One request on a workflow's control stream, as engines read it: what to do to which run, with what, asked by whom
/// and when. <see cref="Offset"/> is where a reader resumes after it (set when read from the stream).
/// </summary>
public sealed record ControlRequest
{
    public string? Offset { get; init; }
    public required string RequestId { get; init; }
    public required string RunId { get; init; }
    public string? WorkflowId { get; init; }

    /// <summary>One of <see cref="ControlActions"/>.</summary>
    public required string Action { get; init; }

    /// <summary>For <c>resume</c>: what the waiting step asked for; for a rerun: the new run's input (else the old one's).</summary>
    public JsonElement? Input { get; init; }

    /// <summary>For <c>rerun_from_step</c>: the first step to run again; the steps before it reuse their outputs.</summary>
    public string? StepId { get; init; }
    public string? Reason { get; init; }
    public string? RequestedBy { get; init; }
    public DateTimeOffset RequestedAt { get; init; }
}

/// <summary>A control request with where it stands: the engine has acted on it (<c>done</c>), not yet (<c>pending</c>), or not in time (<c>expired</c>).</summary>
public sealed record ControlRequestState
{
    public required ControlRequest Request { get; init; }

    /// <summary><c>pending</c>, <c>done</c> or <c>expired</c>.</summary>
    public required string State { get; init; }

    /// <summary>What the engine reported: <c>cancelled</c>, <c>resumed</c> or <c>rerun</c>.</summary>
    public string? Outcome { get; init; }

    /// <summary>For a rerun: the new run.</summary>
    public string? OutcomeRunId { get; init; }
    public DateTimeOffset? OutcomeAt { get; init; }
}

/// <summary>The body of <c>POST /api/runs/{runId}/actions</c>.</summary>
public sealed record ActionRequest
{
    public string? Action { get; init; }
    public JsonElement? Input { get; init; }
    public string? StepId { get; init; }
    public string? Reason { get; init; }
}

/// <summary>The answer to an accepted action: the request's id and its place on the workflow's control stream.</summary>
public sealed record ActionAccepted(string RequestId, string Offset);
