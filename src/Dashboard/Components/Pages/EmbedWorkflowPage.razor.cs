using Dashboard.Client;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Components.Pages;

/// <summary>
/// One workflow's runs, chromeless, for a portal's iframe: the executions list locked to that workflow. Its runs open
/// in the same frame, carrying the same signature (scope <c>workflow:{id}</c>) rather than one link per run.
/// </summary>
public sealed partial class EmbedWorkflowPage
{
    [Parameter]
    public required string WorkflowId { get; set; }

    [SupplyParameterFromQuery(Name = "theme")]
    public string? Theme { get; set; }

    [SupplyParameterFromQuery(Name = "tz")]
    public string? TimeZone { get; set; }

    protected override string? LinkRunId => null;

    protected override string? LinkWorkflowId => WorkflowId;

    protected override string Subject => "workflow";

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
