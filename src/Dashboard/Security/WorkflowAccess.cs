using System.Security.Claims;

namespace Dashboard.Security;

/// <summary>
/// What one viewer may see: some workflows (null: all) and, for a link to one run, only that run. The same rule as
/// the runs service: anything outside is not found, never "forbidden".
/// </summary>
public sealed record WorkflowAccess(IReadOnlySet<string>? Workflows, string? RunId = null)
{
    public const string WorkflowClaim = "dashboard:workflow";

    /// <summary>A workflow whose runs the user may act on (cancel, resume, rerun); "*" for all.</summary>
    public const string ControlClaim = "dashboard:control";
    public const string RunClaim = "dashboard:run";
    public const string AllWorkflows = "*";

    /// <summary>The workflows whose runs this viewer may act on: null for all, empty (the default) for none.</summary>
    public IReadOnlySet<string>? ControlWorkflows { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Everything, acting included: where the dashboard asks for no sign-in (loopback).</summary>
    public static WorkflowAccess All { get; } = new(Workflows: null) { ControlWorkflows = null };

    public static WorkflowAccess Nothing { get; } = new(new HashSet<string>(StringComparer.Ordinal));

    /// <summary>Whether this viewer may act on runs of <paramref name="workflowId"/> (an embed link only with its signed grant).</summary>
    public bool CanAct(string workflowId) => SeesWorkflow(workflowId) && (ControlWorkflows is null || ControlWorkflows.Contains(workflowId));

    public static WorkflowAccess OfWorkflow(string workflowId) => new(new HashSet<string>(StringComparer.Ordinal) { workflowId });

    public static WorkflowAccess OfRun(string runId) => new(null, runId) { ControlWorkflows = new HashSet<string>(StringComparer.Ordinal) };

    public bool SeesWorkflow(string workflowId) => Workflows is null || Workflows.Contains(workflowId);

    public bool Sees(string runId, string workflowId) => (RunId is null || RunId == runId) && SeesWorkflow(workflowId);

    /// <summary>From configured workflow lists: "*" anywhere means all.</summary>
    public static WorkflowAccess FromList(IEnumerable<string> workflows, IEnumerable<string>? control = null)
    {
        var list = workflows.ToList();
        var acting = (control ?? []).ToList();
        return new WorkflowAccess(list.Contains(AllWorkflows) ? null : list.ToHashSet(StringComparer.Ordinal))
        {
            ControlWorkflows = acting.Contains(AllWorkflows) ? null : acting.ToHashSet(StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// A signed-in user's access from their claims. An anonymous user sees everything only where the dashboard asks
    /// for no sign-in (loopback); otherwise nothing.
    /// </summary>
    public static WorkflowAccess Of(ClaimsPrincipal user, bool signInRequired)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return signInRequired ? Nothing : All;
        }
        var workflows = user.FindAll(WorkflowClaim).Select(c => c.Value);
        var control = user.FindAll(ControlClaim).Select(c => c.Value).ToList();
        var access = FromList(workflows) with
        {
            ControlWorkflows = control.Contains(AllWorkflows) ? null : control.ToHashSet(StringComparer.Ordinal),
        };
        return user.FindFirst(RunClaim)?.Value is { } run ? access with { RunId = run } : access;
    }

    public IEnumerable<Claim> ToClaims()
    {
        foreach (var workflow in Workflows ?? new HashSet<string> { AllWorkflows })
        {
            yield return new Claim(WorkflowClaim, workflow);
        }
        foreach (var workflow in ControlWorkflows ?? new HashSet<string> { AllWorkflows })
        {
            yield return new Claim(ControlClaim, workflow);
        }
        if (RunId is not null)
        {
            yield return new Claim(RunClaim, RunId);
        }
    }
}
