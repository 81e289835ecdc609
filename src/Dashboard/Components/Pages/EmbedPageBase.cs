using Dashboard.Client;
using Dashboard.Configuration;
using Dashboard.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace Dashboard.Components.Pages;

/// <summary>
/// What the chromeless pages for a portal's iframe share: the link's signature, expiry and grant from the query, and the
/// decision (<see cref="EmbedAccess.Decide"/>) made before anything renders. With <c>Embedding:SigningKey</c> set, a
/// page whose link is not valid for what it shows refuses, and shows no data; a valid link scopes the viewer to it.
/// </summary>
public abstract class EmbedPageBase : ComponentBase
{
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

    protected EmbedLinks.Verdict Verdict { get; private set; } = EmbedLinks.Verdict.Missing;

    /// <summary>The run the link must be signed for, if the page shows one.</summary>
    protected abstract string? LinkRunId { get; }

    /// <summary>The workflow the link must be signed for (a run's page opened from an embedded list accepts it too).</summary>
    protected abstract string? LinkWorkflowId { get; }

    /// <summary>What the page shows, for the refusal's wording ("run", "workflow").</summary>
    protected abstract string Subject { get; }

    protected string Reason => EmbedAccess.Reason(Verdict, Subject);

    protected override void OnParametersSet()
    {
        var decision = EmbedAccess.Decide(Options.Value, DashboardOptions.Value.Authentication.RequiresSignIn, Viewer.UserName is not null,
            LinkRunId, LinkWorkflowId, Expires, Signature, Clock.GetUtcNow(), Grant);
        Verdict = decision.Verdict;
        if (decision.LinkAccess is { } access)
        {
            Viewer.UseLink(access);
        }
    }
}
