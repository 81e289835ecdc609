namespace Dashboard.Model.Runs;

/// <summary>The six run statuses of the run record (seed 002).</summary>
public enum RunStatus
{
    Running,
    Waiting,
    Completed,
    Failed,
    Cancelled,
    Timeout,
}

/// <summary>Status of one step attempt; <see cref="Pending"/> only for a planned step that has not started.</summary>
public enum StepStatus
{
    Pending,
    Running,
    Completed,
    Failed,
    Skipped,
}

public static class RunStatusExtensions
{
    public static bool IsTerminal(this RunStatus status) =>
        status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled or RunStatus.Timeout;

    /// <summary>The wire spelling, as in the seeds ("timeout", not "timed_out").</summary>
    public static string ToWire(this RunStatus status) => status switch
    {
        RunStatus.Running => "running",
        RunStatus.Waiting => "waiting",
        RunStatus.Completed => "completed",
        RunStatus.Failed => "failed",
        RunStatus.Cancelled => "cancelled",
        RunStatus.Timeout => "timeout",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static bool TryParse(string? value, out RunStatus status)
    {
        foreach (var candidate in Enum.GetValues<RunStatus>())
        {
            if (string.Equals(candidate.ToWire(), value, StringComparison.OrdinalIgnoreCase))
            {
                status = candidate;
                return true;
            }
        }
        status = default;
        return false;
    }
}
