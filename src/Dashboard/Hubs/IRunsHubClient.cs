using Dashboard.Model.Events;
using Dashboard.Model.Runs;

namespace Dashboard.Hubs;

/// <summary>What <see cref="RunsHub"/> sends to a connection. Events carry their offset; receivers drop what they have.</summary>
public interface IRunsHubClient
{
    /// <summary>Events of a run this connection joined, in stream order.</summary>
    Task RunEvents(string runId, IReadOnlyList<RunEvent> events);

    /// <summary>Changes of runs (one per reported batch), for connections that joined the feed.</summary>
    Task RunChanges(IReadOnlyList<RunChange> changes);

    /// <summary>
    /// This connection fell too far behind on a run (<paramref name="runId"/>) or the feed (null) and was dropped from
    /// it: join again, from the offset of the last event received, to continue without a gap.
    /// </summary>
    Task Resync(string? runId);
}
