namespace Dashboard.Runs.Ingestion;

/// <summary>How much the run state cache holds at most: runs, and their estimated bytes (<see cref="RunStateSize"/>).</summary>
public sealed record RunStateCacheLimits(int MaxRuns = 2_000, long MaxBytes = 1024L * 1024 * 1024)
{
    public static RunStateCacheLimits From(Configuration.RunsOptions options) =>
        new(Math.Max(1, options.StateCacheRuns), Math.Max(1, options.StateCacheMegabytes) * 1024L * 1024);
}
