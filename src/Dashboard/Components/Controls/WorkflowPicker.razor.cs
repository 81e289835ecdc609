using Dashboard.Client;
using Dashboard.Client.Errors;
using Dashboard.Model;
using Dashboard.Model.Insights;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Components.Controls;

/// <summary>
/// Picks one workflow, or none for all, by typing part of its id or name: the service answers each search with the first
/// <see cref="Shown"/> matches and how many there are. A fleet with a workflow per tenant knows thousands, and a select
/// that held them all took 6-9 s to open and 15,000 elements on the page (5,000 workflows).
/// </summary>
public sealed partial class WorkflowPicker
{
    /// <summary>How many matches the list shows; the rest are counted under it.</summary>
    public const int Shown = 50;

    private WorkflowFacet? _selected;
    private int _total;
    private bool _failed;

    /// <summary>The chosen workflow's id; null for all.</summary>
    [Parameter]
    public string? Value { get; set; }

    [Parameter]
    public EventCallback<string?> ValueChanged { get; set; }

    [Parameter]
    public string? Class { get; set; }

    [Inject]
    public required IRunsClient RunsClient { get; init; }

    protected override async Task OnParametersSetAsync()
    {
        if (Value != _selected?.WorkflowId)
        {
            _selected = Value is null ? null : await NamedAsync(Value);
        }
    }

    /// <summary>The workflow of an id from the URL, with its name when the service knows it.</summary>
    private async Task<WorkflowFacet> NamedAsync(string workflowId)
    {
        try
        {
            // Exact matches come first; a name that equals another workflow's id is one too, hence a few.
            var facets = await RunsClient.FacetsAsync(workflowId, 5);
            return facets.Workflows.FirstOrDefault(w => w.WorkflowId == workflowId) ?? new WorkflowFacet(workflowId, null);
        }
        catch (RunsClientException)
        {
            // The page's own load reports the service's trouble; the id alone is still the right choice to show.
            return new WorkflowFacet(workflowId, null);
        }
    }

    private async Task<IEnumerable<WorkflowFacet>> SearchAsync(string? text, CancellationToken cancellationToken)
    {
        try
        {
            // One more than is shown: the list then offers the count of the rest (MoreItemsTemplate).
            var facets = await RunsClient.FacetsAsync(string.IsNullOrWhiteSpace(text) ? null : text, Shown + 1, cancellationToken);
            _total = facets.TotalWorkflows;
            _failed = false;
            return facets.Workflows;
        }
        catch (RunsClientException)
        {
            _failed = true;
            return [];
        }
    }

    private async Task PickAsync(WorkflowFacet? workflow)
    {
        _selected = workflow;
        await ValueChanged.InvokeAsync(workflow?.WorkflowId);
    }

    private static string Label(WorkflowFacet? workflow) => workflow is null ? "" : PickerChoices.WorkflowLabel(workflow);

    /// <summary>
    /// The chosen workflow in the box: its name alone, which the box has room for at a laptop's width (name and id, "Refund
    /// request (refund-request)", read "Refund r…" at 1280 px). The list offers each by name and id, and the box's
    /// tooltip names both.
    /// </summary>
    private static string BoxText(WorkflowFacet? workflow) => workflow is null ? "" : PickerChoices.WorkflowShortLabel(workflow);

    private string MoreText() => $"{_total - Shown:#,0} more of {_total:#,0}: type part of an id or name to narrow";
}
