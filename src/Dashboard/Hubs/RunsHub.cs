using Dashboard.Client;
using Dashboard.Client.Errors;
using Dashboard.Configuration;
using Dashboard.Security;
using Dashboard.Services;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Dashboard.Hubs;

/// <summary>
/// <c>/hubs/runs</c>: a connection joins a run (from the offset of the snapshot it holds) or the all-runs feed, and
/// receives what happens next. Usable from the dashboard's pages and from a portal's own JavaScript (with a dashboard
/// API key where sign-in is required). A connection sees only the runs its key, user or embed link may see; any other
/// run is "not found", exactly like a run that does not exist.
/// </summary>
[Authorize]
public sealed class RunsHub(RunStreamRelay relay, RunsClient client, IOptions<DashboardOptions> options) : Hub<IRunsHubClient>
{
    private WorkflowAccess Access => WorkflowAccess.Of(Context.User!, options.Value.Authentication.RequiresSignIn);

    /// <summary>Events of <paramref name="runId"/> after <paramref name="fromOffset"/> (null or "-1": from the start).</summary>
    public async Task JoinRun(string runId, string? fromOffset)
    {
        await EnsureVisibleAsync(runId);
        await relay.JoinRunAsync(Context.ConnectionId, runId, fromOffset, Context.ConnectionAborted);
    }

    public Task LeaveRun(string runId)
    {
        relay.LeaveRun(Context.ConnectionId, runId);
        return Task.CompletedTask;
    }

    /// <summary>Changes of every run this connection may see, from now on.</summary>
    public Task JoinFeed()
    {
        var access = Access;
        return relay.JoinFeedAsync(Context.ConnectionId, Context.ConnectionAborted, change => access.Sees(change.RunId, change.WorkflowId));
    }

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

    private async Task EnsureVisibleAsync(string runId)
    {
        var access = Access;
        if (access.RunId is { } only && only != runId)
        {
            throw NotFound();
        }
        if (access.Workflows is { } workflows)
        {
            try
            {
                // The service decides, with the same rule as for every other read.
                await client.ForWorkflows(workflows).Run(runId).RecordAsync(cancellationToken: Context.ConnectionAborted);
            }
            catch (RunNotFoundException)
            {
                throw NotFound();
            }
        }
    }

    private static HubException NotFound() => new("No run with this id.");
}
