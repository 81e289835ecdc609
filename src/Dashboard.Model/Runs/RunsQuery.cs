namespace Dashboard.Model.Runs;

/// <summary>The filters of <c>GET /api/runs</c>. Every one is optional; <see cref="Limit"/> defaults to 50.</summary>
public sealed record RunsQuery
{
    public IReadOnlyList<RunStatus> Statuses { get; init; } = [];
    public string? WorkflowId { get; init; }
    public string? TriggerType { get; init; }
    public string? ExperimentId { get; init; }
    public string? ParentRunId { get; init; }

    /// <summary>Runs with a step that named this model (<c>modelUsed</c>).</summary>
    public string? Model { get; init; }

    /// <summary>The failed and timed-out runs of one failure group (a <c>FailureGroup.Signature</c>).</summary>
    public string? FailureSignature { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }

    /// <summary>Free text over run id, workflow and error message.</summary>
    public string? Text { get; init; }

    public string? Cursor { get; init; }
    public int Limit { get; init; } = 50;

    /// <summary>Oldest first instead of newest first.</summary>
    public bool Ascending { get; init; }

    /// <summary>Ask for status counts; null lets the service decide (with the first page only).</summary>
    public bool? IncludeCounts { get; init; }
}
