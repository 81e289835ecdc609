using Dashboard.Model.Runs;

namespace Dashboard.Runs.Projections;

/// <summary>The filters of <c>GET /api/runs</c>, already validated, plus the caller's workflow scope.</summary>
public sealed record RunListFilter
{
    public IReadOnlyList<RunStatus> Statuses { get; init; } = [];
    public string? WorkflowId { get; init; }
    public string? TriggerType { get; init; }
    public string? ExperimentId { get; init; }
    public string? ParentRunId { get; init; }

    /// <summary>Runs with a step that named this model.</summary>
    public string? Model { get; init; }

    /// <summary>Failed and timed-out runs of one failure group (<c>GET /api/insights/failures</c>' signature).</summary>
    public string? FailureSignature { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public string? Text { get; init; }
    public IReadOnlySet<string>? AllowedWorkflows { get; init; }
    public bool Ascending { get; init; }
}
