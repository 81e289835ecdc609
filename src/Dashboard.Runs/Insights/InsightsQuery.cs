namespace Dashboard.Runs.Insights;

/// <summary>
/// One insights read: runs started in [<see cref="From"/>, <see cref="To"/>), of one workflow or all, within what the
/// caller may see (<see cref="Visible"/> null: every workflow).
/// </summary>
internal sealed record InsightsQuery(DateTimeOffset From, DateTimeOffset To, string? WorkflowId, IReadOnlySet<string>? Visible)
{
    public TimeSpan Length => To - From;

    /// <summary>Minute rows up to 6 hours, hour rows up to 8 days, day rows beyond: the start rounds down to that grain.</summary>
    public int Grain => InsightsSchema.GrainFor(Length);

    /// <summary>The grain of step rows: never finer than an hour (<see cref="InsightsSchema.StepGrains"/>).</summary>
    public int StepGrain => Math.Max(Grain, InsightsSchema.HourGrain);

    public InsightsQuery Previous => this with { From = From - Length, To = From };
}
