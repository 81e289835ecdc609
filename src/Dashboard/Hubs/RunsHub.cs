using Dashboard.Services;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Hubs;

/// <summary>
/// <c>/hubs/runs</c>: a connection joins a run (from the offset of the snapshot it holds) or the all-runs feed, and
/// receives what happens next. Usable from the dashboard's pages and from a portal's own JavaScript.
/// </summary>
public sealed class RunsHub(RunStreamRelay relay) : Hub<IRunsHubClient>
{
    /// <summary>Events of <paramref name="runId"/> after <paramref name="fromOffset"/> (null or "-1": from the start).</summary>
    public Task JoinRun(string runId, string? fromOffset) => relay.JoinRunAsync(Context.ConnectionId, runId, fromOffset, Context.ConnectionAborted);

    public Task LeaveRun(string runId)
    {
        relay.LeaveRun(Context.ConnectionId, runId);
        return Task.CompletedTask;
    }

    /// <summary>Changes of every run from now on.</summary>
    public Task JoinFeed() => relay.JoinFeedAsync(Context.ConnectionId, Context.ConnectionAborted);

    public Task LeaveFeed()
    {
        relay.LeaveFeed(Context.ConnectionId);
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        relay.LeaveAll(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}
