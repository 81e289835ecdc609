using System.Collections.Concurrent;
using Dashboard.Hubs;
using Dashboard.Model.Events;
using Dashboard.Model.Runs;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Web.Tests;

/// <summary>A hand-written hub context that records what the relay sends to each connection.</summary>
internal sealed class RecordingHubContext : IHubContext<RunsHub, IRunsHubClient>
{
    private readonly RecordingClients _clients = new();

    public ConcurrentDictionary<string, Recorder> Connections => _clients.Connections;

    public IHubClients<IRunsHubClient> Clients => _clients;

    public IGroupManager Groups => throw new NotSupportedException();

    internal sealed class RecordingClients : IHubClients<IRunsHubClient>
    {
        public ConcurrentDictionary<string, Recorder> Connections { get; } = new();

        public IRunsHubClient Client(string connectionId) => Connections.GetOrAdd(connectionId, _ => new Recorder());

        public IRunsHubClient All => throw new NotSupportedException();
        public IRunsHubClient AllExcept(IReadOnlyList<string> excludedConnectionIds) => throw new NotSupportedException();
        public IRunsHubClient Clients(IReadOnlyList<string> connectionIds) => throw new NotSupportedException();
        public IRunsHubClient Group(string groupName) => throw new NotSupportedException();
        public IRunsHubClient GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) => throw new NotSupportedException();
        public IRunsHubClient Groups(IReadOnlyList<string> groupNames) => throw new NotSupportedException();
        public IRunsHubClient User(string userId) => throw new NotSupportedException();
        public IRunsHubClient Users(IReadOnlyList<string> userIds) => throw new NotSupportedException();
    }

    internal sealed class Recorder : IRunsHubClient
    {
        private readonly List<RunEvent> _events = [];

        public IReadOnlyList<RunEvent> Events
        {
            get
            {
                lock (_events)
                {
                    return [.. _events];
                }
            }
        }

        public async Task RunEvents(string runId, IReadOnlyList<RunEvent> events)
        {
            if (Stall is { } stall)
            {
                await stall.Task;
            }
            lock (_events)
            {
                _events.AddRange(events);
            }
        }

        public Task RunChanges(IReadOnlyList<RunChange> changes) => Task.CompletedTask;

        /// <summary>Runs (null: the feed) the relay asked this connection to join again.</summary>
        public ConcurrentQueue<string?> Resyncs { get; } = new();

        /// <summary>While set and not completed, sends to this connection wait: a stalled browser.</summary>
        public TaskCompletionSource? Stall { get; set; }

        public Task Resync(string? runId)
        {
            Resyncs.Enqueue(runId);
            return Task.CompletedTask;
        }
    }
}
