using Dashboard.Model.Events;
using Dashboard.Model.Runs;
using Dashboard.Security;

namespace Dashboard.Services;

/// <summary>Live events of runs and the all-runs feed, as disposable subscriptions (<see cref="RunStreamRelay"/>).</summary>
public interface IRunSubscriptions
{
    /// <summary>
    /// Events of <paramref name="runId"/> after <paramref name="fromOffset"/> (null or "-1": from the start), each once and
    /// in order, until disposed. A run <paramref name="access"/> may not see is <c>RunNotFoundException</c>.
    /// </summary>
    Task<IDisposable> SubscribeRunAsync(string runId, string? fromOffset, WorkflowAccess access, Func<IReadOnlyList<RunEvent>, Task> deliver,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Changes of the runs <paramref name="access"/> sees, every one made after the returned task completes;
    /// <paramref name="onGap"/> when some were dropped.
    /// </summary>
    Task<IDisposable> SubscribeFeedAsync(WorkflowAccess access, Func<IReadOnlyList<RunChange>, Task> deliver, Func<Task>? onGap = null,
        CancellationToken cancellationToken = default);
}
