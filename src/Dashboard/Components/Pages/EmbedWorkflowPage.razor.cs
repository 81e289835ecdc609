using Dashboard.Client;
using Dashboard.Configuration;
using Dashboard.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace Dashboard.Components.Pages;

/// <summary>
/// One workflow's runs, chromeless, for a portal's iframe: the executions list locked to that workflow. Its runs open
/// in the same frame, carrying the same signature (scope <c>workflow:{id}</c>) rather than one link per run.
/// </summary>
public sealed partial class EmbedWorkflowPage
{
    private EmbedLinks.Verdict _verdict = EmbedLinks.Verdict.Missing;

    [Parameter]
    public required string WorkflowId { get; set; }

    [SupplyParameterFromQuery(Name = "exp")]
    public string? Expires { get; set; }

    [SupplyParameterFromQuery(Name = "sig")]
    public string? Signature { get; set; }

    /// <summary><c>actions</c> when the link (signed with it) lets its viewer act on its runs.</summary>
    [SupplyParameterFromQuery(Name = "grant")]
    public string? Grant { get; set; }

    [SupplyParameterFromQuery(Name = "theme")]
    public string? Theme { get; set; }

    [SupplyParameterFromQuery(Name = "tz")]
    public string? TimeZone { get; set; }

    [Inject]
    public required IOptions<EmbeddingOptions> Options { get; init; }

    [Inject]
    public required IOptions<DashboardOptions> DashboardOptions { get; init; }

    [Inject]
    public required ViewerScope Viewer { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    protected override void OnParametersSet()
    {
        var decision = EmbedAccess.Decide(Options.Value, DashboardOptions.Value.Authentication.RequiresSignIn, Viewer.UserName is not null,
            null, WorkflowId, Expires, Signature, Clock.GetUtcNow(), Grant);
        _verdict = decision.Verdict;
        if (decision.LinkAccess is { } access)
        {
            Viewer.UseLink(access);
        }
    }

    private string RunHref(string runId)
    {
        var query = new List<string> { "wf=" + Uri.EscapeDataString(WorkflowId) };
        AddIfSet(query, "exp", Expires);
        AddIfSet(query, "sig", Signature);
        AddIfSet(query, "grant", Grant);
        AddIfSet(query, "theme", Theme);
        AddIfSet(query, "tz", TimeZone);
        return DashboardUrls.EmbedRun(runId) + "?" + string.Join('&', query);
    }

    private static void AddIfSet(List<string> query, string name, string? value)
    {
        if (value is not null)
        {
            query.Add(name + "=" + Uri.EscapeDataString(value));
        }
    }
}
