using Dashboard.Client;
using Dashboard.Configuration;

namespace Dashboard.Security;

/// <summary>
/// Whether an embed route may show anything, and what: with <c>Embedding:SigningKey</c> set, the link's valid signature
/// decides and grants its own scope (one run, or one workflow's runs). Without a key, the embed routes are as open as
/// the rest of the dashboard: to anyone on the loopback default, to signed-in users (with their own access) otherwise.
/// </summary>
public static class EmbedAccess
{
    public sealed record Decision(EmbedLinks.Verdict Verdict, WorkflowAccess? LinkAccess);

    /// <param name="grant">The link's <c>grant</c>: <see cref="EmbedLinks.ActionsGrant"/> lets its viewer act on its
    /// runs, if the signature covers it; without it a link never acts.</param>
    public static Decision Decide(EmbeddingOptions embedding, bool signInRequired, bool signedIn, string? runId, string? workflowId, string? exp, string? sig, DateTimeOffset now,
        string? grant = null)
    {
        var actions = grant == EmbedLinks.ActionsGrant;
        if (embedding.SigningKey is not { Length: > 0 } key)
        {
            return new Decision(!signInRequired || signedIn ? EmbedLinks.Verdict.Valid : EmbedLinks.Verdict.Missing, null);
        }
        if (workflowId is { Length: > 0 })
        {
            var verdict = EmbedLinks.Verify(EmbedLinks.WorkflowScope(workflowId, actions), exp, sig, key, now);
            var access = WorkflowAccess.OfWorkflow(workflowId);
            return new Decision(verdict, verdict != EmbedLinks.Verdict.Valid ? null
                : actions ? access with { ControlWorkflows = new HashSet<string>(StringComparer.Ordinal) { workflowId } } : access);
        }
        if (runId is { Length: > 0 })
        {
            var verdict = EmbedLinks.Verify(EmbedLinks.RunScope(runId, actions), exp, sig, key, now);
            // The one run only: what it may act on is whatever that run is.
            return new Decision(verdict, verdict != EmbedLinks.Verdict.Valid ? null
                : actions ? WorkflowAccess.OfRun(runId) with { ControlWorkflows = null } : WorkflowAccess.OfRun(runId));
        }
        return new Decision(EmbedLinks.Verdict.Missing, null);
    }

    public static string Reason(EmbedLinks.Verdict verdict, string what) => verdict switch
    {
        EmbedLinks.Verdict.Expired => "The link has expired. Ask the portal for a new one.",
        EmbedLinks.Verdict.Missing => "The link is not signed.",
        _ => $"The link is not valid for this {what}.",
    };
}
