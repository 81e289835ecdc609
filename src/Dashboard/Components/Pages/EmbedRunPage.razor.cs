using Dashboard.Client;
using Dashboard.Configuration;
using Dashboard.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace Dashboard.Components.Pages;

/// <summary>
/// One run, chromeless, for a portal's iframe. With <c>Embedding:SigningKey</c> set, the link must carry a valid,
/// unexpired signature for this run, or for its workflow (<c>wf</c>, when opened from an embedded list); otherwise the
/// page refuses, and shows no data. A run outside the link's workflow is "not found".
/// </summary>
public sealed partial class EmbedRunPage
{
    private EmbedLinks.Verdict _verdict = EmbedLinks.Verdict.Missing;

    [Parameter]
    public required string RunId { get; set; }

    [SupplyParameterFromQuery(Name = "wf")]
    public string? WorkflowId { get; set; }

    [SupplyParameterFromQuery(Name = "exp")]
    public string? Expires { get; set; }

    [SupplyParameterFromQuery(Name = "sig")]
    public string? Signature { get; set; }

    /// <summary><c>actions</c> when the link (signed with it) lets its viewer act on its runs.</summary>
    [SupplyParameterFromQuery(Name = "grant")]
    public string? Grant { get; set; }

    [Inject]
    public required IOptions<EmbeddingOptions> Options { get; init; }

    [Inject]
    public required IOptions<DashboardOptions> DashboardOptions { get; init; }

    [Inject]
    public required ViewerScope Viewer { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    private string Reason => EmbedAccess.Reason(_verdict, "run");

    protected override void OnParametersSet()
    {
        var decision = EmbedAccess.Decide(Options.Value, DashboardOptions.Value.Authentication.RequiresSignIn, Viewer.UserName is not null,
            RunId, WorkflowId, Expires, Signature, Clock.GetUtcNow(), Grant);
        _verdict = decision.Verdict;
        if (decision.LinkAccess is { } access)
        {
            Viewer.UseLink(access);
        }
    }
}
