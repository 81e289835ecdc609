namespace Dashboard.Model.Insights;

/// <summary>The period and workflow an insights read covers: runs started in [<see cref="From"/>, <see cref="To"/>).</summary>
public sealed record InsightsRange(DateTimeOffset From, DateTimeOffset To, string? WorkflowId = null)
{
    /// <summary>The last <paramref name="length"/> up to <paramref name="now"/>.</summary>
    public static InsightsRange Last(TimeSpan length, DateTimeOffset now, string? workflowId = null) => new(now - length, now, workflowId);
}
