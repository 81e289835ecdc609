using Dashboard.Model.Insights;

namespace Dashboard.Model;

/// <summary>The choices of a filter picker: the known values, plus the one in the URL when it is not (yet) among them.</summary>
public static class PickerChoices
{
    /// <summary>How a workflow is offered: its name with its id, or its id alone when it has no other name.</summary>
    public static string WorkflowLabel(WorkflowFacet workflow) =>
        workflow.WorkflowName is { } name && name != workflow.WorkflowId ? $"{name} ({workflow.WorkflowId})" : workflow.WorkflowId;

    /// <summary>A workflow where room is short: its name, or its id when it has no other name.</summary>
    public static string WorkflowShortLabel(WorkflowFacet workflow) => string.IsNullOrWhiteSpace(workflow.WorkflowName) ? workflow.WorkflowId : workflow.WorkflowName;

    public static IReadOnlyList<(string Value, string Label)> Values(IEnumerable<string> known, string? current)
    {
        var list = known.Select(v => (Value: v, Label: v)).ToList();
        if (current is not null && list.All(c => c.Value != current))
        {
            list.Insert(0, (current, current));
        }
        return list;
    }
}
