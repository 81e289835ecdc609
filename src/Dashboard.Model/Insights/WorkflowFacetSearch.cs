namespace Dashboard.Model.Insights;

/// <summary>
/// Which known workflows a picker offers for what was typed: those whose id or name holds the text (case aside), the ones
/// it names exactly first, then those it starts, each in the order given (by name), at most <see cref="Limit"/>. A fleet
/// with a workflow per tenant knows thousands; a picker that listed them all took seconds to open.
/// </summary>
public sealed class WorkflowFacetSearch
{
    /// <summary>The most a search gives in one answer.</summary>
    public const int MaxLimit = 1_000;

    /// <summary>The longest text a search takes: a workflow id is at most 256 characters, a name a little more.</summary>
    public const int MaxTextLength = 512;

    private readonly List<WorkflowFacet> _exact = [];
    private readonly List<WorkflowFacet> _starting = [];
    private readonly List<WorkflowFacet> _holding = [];

    /// <param name="text">What was typed; null or blank: every workflow.</param>
    /// <param name="limit">How many to keep; null: all.</param>
    public WorkflowFacetSearch(string? text, int? limit)
    {
        Text = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        Limit = limit ?? int.MaxValue;
    }

    public string? Text { get; }

    public int Limit { get; }

    /// <summary>How many of the workflows offered matched, kept or not.</summary>
    public int Total { get; private set; }

    /// <summary>Considers a workflow; call in the order the answer should keep among equals.</summary>
    public void Offer(WorkflowFacet workflow)
    {
        var list = Rank(workflow);
        if (list is null)
        {
            return;
        }
        Total++;
        // Each kind is kept up to the limit: a later exact match still goes before every partial one kept so far.
        if (list.Count < Limit)
        {
            list.Add(workflow);
        }
    }

    /// <summary>The workflows kept, best first.</summary>
    public IReadOnlyList<WorkflowFacet> Found() => _exact.Concat(_starting).Concat(_holding).Take(Limit).ToList();

    /// <summary>The matches of <paramref name="workflows"/>, for a caller that holds them all already.</summary>
    public static (IReadOnlyList<WorkflowFacet> Found, int Total) Over(IEnumerable<WorkflowFacet> workflows, string? text, int? limit)
    {
        var search = new WorkflowFacetSearch(text, limit);
        foreach (var workflow in workflows)
        {
            search.Offer(workflow);
        }
        return (search.Found(), search.Total);
    }

    private List<WorkflowFacet>? Rank(WorkflowFacet workflow)
    {
        if (Text is not { } text)
        {
            return _holding;
        }
        var name = workflow.WorkflowName ?? "";
        if (workflow.WorkflowId.Equals(text, StringComparison.OrdinalIgnoreCase) || name.Equals(text, StringComparison.OrdinalIgnoreCase))
        {
            return _exact;
        }
        if (workflow.WorkflowId.StartsWith(text, StringComparison.OrdinalIgnoreCase) || name.StartsWith(text, StringComparison.OrdinalIgnoreCase))
        {
            return _starting;
        }
        return workflow.WorkflowId.Contains(text, StringComparison.OrdinalIgnoreCase) || name.Contains(text, StringComparison.OrdinalIgnoreCase)
            ? _holding
            : null;
    }
}
