using Dashboard.Client.Errors;
using Dashboard.Configuration;
using Dashboard.Model.Runs;
using Dashboard.Security;
using Dashboard.Services;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Dashboard.Hubs;

/// <summary>
/// <c>/hubs/runs</c>, for clients outside the dashboard's process (a portal's JavaScript, a .NET service with
/// <see cref="Client.RunsHubClient"/>): a connection joins a run (from the offset of the snapshot it holds) or the
/// all-runs feed, and receives what happens next. A thin adapter over <see cref="RunStreamRelay"/>'s subscriptions, the
/// same the dashboard's own pages take in-process. A connection sees only the runs its key, user or embed link may see;
/// any other run is "not found", exactly like a run that does not exist.
/// </summary>
[Authorize]
public sealed class RunsHub(IRunSubscriptions relay, HubSubscriptions subscriptions, IHubContext<RunsHub, IRunsHubClient> hub, IOptions<DashboardOptions> options)
    : Hub<IRunsHubClient>
{
    /// <summary>
    /// Runs one connection may follow at once. Each run followed is a reader of its stream (a long poll on the runs
    /// service, when it runs apart), so a script that joined every run it listed would hold thousands; a page shows a
    /// few dozen.
    /// </summary>
    public const int MaxRunsPerConnection = 1_000;

    private WorkflowAccess Access => WorkflowAccess.Of(Context.User!, options.Value.Authentication.RequiresSignIn);

    /// <summary>Events of <paramref name="runId"/> after <paramref name="fromOffset"/> (null or "-1": from the start).</summary>
    public async Task JoinRun(string runId, string? fromOffset)
    {
        if (Ids.Problem(runId) is not null)
        {
            // An id no run can have; the client would refuse it with an ArgumentException, which the caller saw only as
            // "an unexpected error".
            throw new HubException("No run with this id.");
        }
        var connectionId = Context.ConnectionId;
        // A connection's calls run one at a time (SignalR's default), so the count cannot change under this check.
        if (!subscriptions.Has(connectionId, "run:" + runId) && subscriptions.Count(connectionId, "run:") >= MaxRunsPerConnection)
        {
            throw new HubException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"A connection follows at most {MaxRunsPerConnection:#,0} runs at once: leave one (LeaveRun) before joining another."));
        }
        var client = hub.Clients.Client(connectionId);
        try
        {
            var subscription = await relay.SubscribeRunAsync(runId, fromOffset, Access, events => client.RunEvents(runId, events), Context.ConnectionAborted);
            subscriptions.Set(connectionId, "run:" + runId, subscription);
            if (Context.ConnectionAborted.IsCancellationRequested)
            {
                // Gone while joining: OnDisconnectedAsync may have run before the subscription was kept.
                subscriptions.RemoveAll(connectionId);
            }
        }
        catch (RunNotFoundException)
        {
            throw new HubException("No run with this id.");
        }
        catch (RunsClientException ex)
        {
            // The service's own words (a fromOffset it never gave, say: INVALID_INPUT), written for callers.
            throw new HubException($"Cannot join the run: {ex.Message}");
        }
    }

    public Task LeaveRun(string runId)
    {
        subscriptions.Remove(Context.ConnectionId, "run:" + runId);
        return Task.CompletedTask;
    }

    /// <summary>Changes of every run this connection may see: every one made after this call returns.</summary>
    public async Task JoinFeed()
    {
        var connectionId = Context.ConnectionId;
        var client = hub.Clients.Client(connectionId);
        var subscription = await relay.SubscribeFeedAsync(Access, client.RunChanges, () => client.RunChanges([]), Context.ConnectionAborted);
        subscriptions.Set(connectionId, "feed", subscription);
        if (Context.ConnectionAborted.IsCancellationRequested)
        {
            // Gone while joining: OnDisconnectedAsync may have run before the subscription was kept.
            subscriptions.RemoveAll(connectionId);
        }
    }

    public Task LeaveFeed()
    {
        subscriptions.Remove(Context.ConnectionId, "feed");
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        subscriptions.RemoveAll(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}
