using Dashboard.Model.Events;
using Dashboard.Model.Runs;

namespace Dashboard.Services;

/// <summary>
/// Where <see cref="RunStreamRelay"/> follows a run's stream and the runs feed from: the runs service over HTTP
/// (<see cref="ClientRunStreamSource"/>), or, when the service runs in this process, its streams directly
/// (<see cref="EngineRunStreamSource"/>). Either way the items come with their offsets, as the events API serves them.
/// </summary>
public interface IRunStreamSource
{
    /// <summary>The run's events after <paramref name="from"/>, as they are appended, until its terminal event.</summary>
    IAsyncEnumerable<RunEvent> FollowRunAsync(string runId, string from, CancellationToken cancellationToken);

    /// <summary>The feed's changes after <paramref name="from"/>, as they are appended.</summary>
    IAsyncEnumerable<RunChange> FollowFeedAsync(string from, CancellationToken cancellationToken);
}
