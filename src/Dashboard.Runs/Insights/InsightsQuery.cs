namespace Dashboard.Runs.Insights;

/// <summary>
/// One insights read: runs started in [<see cref="From"/>, <see cref="To"/>), of one workflow or all, within what the
/// caller may see (<see cref="Visible"/> null: every workflow).
/// </summary>
internal sealed record InsightsQuery(DateTimeOffset From, DateTimeOffset To, string? WorkflowId, IReadOnlySet<string>? Visible)
{
    public TimeSpan Length => To - From;

    /// <summary>Minute rows up to two days, hour rows beyond (the edges then round to whole hours).</summary>
    public int Grain => Length <= InsightsSchema.MinuteRowsUpTo ? InsightsSchema.MinuteGrain : InsightsSchema.HourGrain;

    public InsightsQuery Previous => this with { From = From - Length, To = From };
}
