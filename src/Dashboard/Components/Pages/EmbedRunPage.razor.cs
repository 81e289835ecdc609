using Microsoft.AspNetCore.Components;

namespace Dashboard.Components.Pages;

/// <summary>
/// One run, chromeless, for a portal's iframe. The link must be signed for this run, or for its workflow (<c>wf</c>,
/// when opened from an embedded list); a run outside the link's workflow is "not found".
/// </summary>
public sealed partial class EmbedRunPage
{
    [Parameter]
    public required string RunId { get; set; }

    [SupplyParameterFromQuery(Name = "wf")]
    public string? WorkflowId { get; set; }

    protected override string? LinkRunId => RunId;

    protected override string? LinkWorkflowId => WorkflowId;

    protected override string Subject => "run";
}
