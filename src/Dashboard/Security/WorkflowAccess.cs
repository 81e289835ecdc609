using System.Security.Claims;

namespace Dashboard.Security;

/// <summary>
/// What one viewer may see: some workflows (null: all) and, for a link to one run, only that run. The same rule as
/// the runs service: anything outside is not found, never "forbidden".
/// </summary>
public sealed record WorkflowAccess(IReadOnlySet<string>? Workflows, string? RunId = null)
{
    public const string WorkflowClaim = "dashboard:workflow";
    public const string RunClaim = "dashboard:run";
    public const string AllWorkflows = "*";

    public static WorkflowAccess All { get; } = new(Workflows: null);

    public static WorkflowAccess Nothing { get; } = new(new HashSet<string>(StringComparer.Ordinal));

    public static WorkflowAccess OfWorkflow(string workflowId) => new(new HashSet<string>(StringComparer.Ordinal) { workflowId });

    public static WorkflowAccess OfRun(string runId) => new(null, runId);

    public bool SeesWorkflow(string workflowId) => Workflows is null || Workflows.Contains(workflowId);

    public bool Sees(string runId, string workflowId) => (RunId is null || RunId == runId) && SeesWorkflow(workflowId);

    /// <summary>From configured workflow lists: "*" anywhere means all.</summary>
    public static WorkflowAccess FromList(IEnumerable<string> workflows)
    {
        var list = workflows.ToList();
        return list.Contains(AllWorkflows) ? All : new WorkflowAccess(list.ToHashSet(StringComparer.Ordinal));
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
        var access = FromList(workflows);
        return user.FindFirst(RunClaim)?.Value is { } run ? access with { RunId = run } : access;
    }

    public IEnumerable<Claim> ToClaims()
    {
        foreach (var workflow in Workflows ?? new HashSet<string> { AllWorkflows })
        {
            yield return new Claim(WorkflowClaim, workflow);
        }
        if (RunId is not null)
        {
            yield return new Claim(RunClaim, RunId);
        }
    }
}
