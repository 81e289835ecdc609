using Dashboard.Model.Events;
using Dashboard.Model.Runs;

namespace Dashboard.Hubs;

/// <summary>What <see cref="RunsHub"/> sends to a connection. Events carry their offset; receivers drop what they have.</summary>
public interface IRunsHubClient
{
    /// <summary>Events of a run this connection joined, in stream order, each once.</summary>
    Task RunEvents(string runId, IReadOnlyList<RunEvent> events);

    /// <summary>
    /// Changes of runs (one per reported batch), for connections that joined the feed. An empty list means some changes
    /// were dropped (the connection fell too far behind): read again what is listed.
    /// </summary>
    Task RunChanges(IReadOnlyList<RunChange> changes);
}
