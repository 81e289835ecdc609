using Dashboard.Model.Insights;

namespace Dashboard.Model;

/// <summary>The choices of a filter picker: the known values, plus the one in the URL when it is not (yet) among them.</summary>
public static class PickerChoices
{
    public static IReadOnlyList<(string Value, string Label)> Workflows(IEnumerable<WorkflowFacet> known, string? current) =>
        With(known.Select(w => (w.WorkflowId, w.WorkflowName is { } name && name != w.WorkflowId ? $"{name} ({w.WorkflowId})" : w.WorkflowId)), current);

    public static IReadOnlyList<(string Value, string Label)> Values(IEnumerable<string> known, string? current) =>
        With(known.Select(v => (v, v)), current);

    private static IReadOnlyList<(string Value, string Label)> With(IEnumerable<(string Value, string Label)> known, string? current)
    {
        var list = known.ToList();
        if (current is not null && list.All(c => c.Value != current))
        {
            list.Insert(0, (current, current));
        }
        return list;
    }
}
