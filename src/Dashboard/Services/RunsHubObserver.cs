using System.Collections.Concurrent;
using Dashboard.Hubs;
using Dashboard.Model.Events;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;
using Dashboard.Security;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dashboard.Services;

/// <summary>
/// One circuit's connection to <see cref="RunsHub"/> (through the SignalR client, as an outside portal would): typed
/// events, a status event, automatic reconnect, and after a reconnect it joins again from the last offset it saw.
/// </summary>
public sealed class RunsHubObserver(IServer server, ViewerScope viewer, CircuitTokens tokens, ILogger<RunsHubObserver> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, string?> _runs = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private HubConnection? _connection;
    private bool _feed;

    public event Action<string, IReadOnlyList<RunEvent>>? RunEventsReceived;

    public event Action<IReadOnlyList<RunChange>>? RunChangesReceived;

    public event Action<LiveStatus>? StatusChanged;

    public LiveStatus Status { get; private set; } = LiveStatus.Idle;

    public async Task JoinRunAsync(string runId, string? fromOffset)
    {
        _runs[runId] = fromOffset;
        var connection = await ConnectAsync();
        await connection.InvokeAsync(nameof(RunsHub.JoinRun), runId, fromOffset);
    }

    public async Task LeaveRunAsync(string runId)
    {
        _runs.TryRemove(runId, out _);
        if (_connection is { State: HubConnectionState.Connected } connection)
        {
            await connection.InvokeAsync(nameof(RunsHub.LeaveRun), runId);
        }
    }

    public async Task JoinFeedAsync()
    {
        _feed = true;
        var connection = await ConnectAsync();
        await connection.InvokeAsync(nameof(RunsHub.JoinFeed));
    }

    public async Task LeaveFeedAsync()
    {
        _feed = false;
        if (_connection is { State: HubConnectionState.Connected } connection)
        {
            await connection.InvokeAsync(nameof(RunsHub.LeaveFeed));
        }
    }

    private async Task<HubConnection> ConnectAsync()
    {
        await _connecting.WaitAsync();
        try
        {
            if (_connection is { State: HubConnectionState.Connected } ready)
            {
                return ready;
            }
            if (_connection is null)
            {
                _connection = new HubConnectionBuilder()
                    // The viewer's access travels in a fresh short-lived token at each connect and reconnect.
                    .WithUrl(new Uri(BackendAddress.Self(server), DashboardUrls.HubPath.TrimStart('/')),
                        options => options.AccessTokenProvider = () => Task.FromResult<string?>(tokens.Mint(viewer.Access, viewer.UserName)))
                    .WithAutomaticReconnect(new RetryForever())
                    .AddJsonProtocol(options => ModelJson.Configure(options.PayloadSerializerOptions))
                    .Build();
                _connection.On<string, IReadOnlyList<RunEvent>>(nameof(IRunsHubClient.RunEvents), OnRunEvents);
                _connection.On<IReadOnlyList<RunChange>>(nameof(IRunsHubClient.RunChanges), changes => RunChangesReceived?.Invoke(changes));
                _connection.On<string?>(nameof(IRunsHubClient.Resync), ResyncAsync);
                _connection.Reconnecting += _ => SetStatus(LiveStatus.Reconnecting);
                _connection.Reconnected += _ => RejoinAsync();
                _connection.Closed += _ => SetStatus(LiveStatus.Offline);
            }
            await SetStatus(LiveStatus.Connecting);
            await _connection.StartAsync();
            await SetStatus(LiveStatus.Live);
            return _connection;
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException)
        {
            await SetStatus(LiveStatus.Offline);
            throw;
        }
        finally
        {
            _connecting.Release();
        }
    }

    private void OnRunEvents(string runId, IReadOnlyList<RunEvent> events)
    {
        if (events.Count > 0 && events[^1].Offset is { } last && _runs.ContainsKey(runId))
        {
            _runs[runId] = last;
        }
        RunEventsReceived?.Invoke(runId, events);
    }

    /// <summary>
    /// The relay dropped this connection from a run (or the feed) because it fell too far behind: join again from the
    /// last offset received; for the feed, the pages reload what they list.
    /// </summary>
    private async Task ResyncAsync(string? runId)
    {
        try
        {
            if (runId is null)
            {
                if (_feed)
                {
                    await _connection!.InvokeAsync(nameof(RunsHub.JoinFeed));
                    RunChangesReceived?.Invoke([]);
                }
            }
            else if (_runs.TryGetValue(runId, out var offset))
            {
                await _connection!.InvokeAsync(nameof(RunsHub.JoinRun), runId, offset);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or HubException)
        {
            logger.LogWarning(ex, "Could not resync {Stream}", runId ?? "the feed");
        }
    }

    /// <summary>A new connection knows nothing: join every run again from the last offset received.</summary>
    private async Task RejoinAsync()
    {
        await SetStatus(LiveStatus.Live);
        foreach (var (runId, offset) in _runs)
        {
            try
            {
                await _connection!.InvokeAsync(nameof(RunsHub.JoinRun), runId, offset);
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or HubException)
            {
                logger.LogWarning(ex, "Could not rejoin run {RunId}", runId);
            }
        }
        if (_feed)
        {
            await _connection!.InvokeAsync(nameof(RunsHub.JoinFeed));
            // The feed resumes from now: changes made while disconnected are not replayed, so lists reload instead.
            RunChangesReceived?.Invoke([]);
        }
    }

    private Task SetStatus(LiveStatus status)
    {
        Status = status;
        StatusChanged?.Invoke(status);
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
        _connecting.Dispose();
    }

    /// <summary>A live view should come back whenever the server does: retry with a capped backoff, forever.</summary>
    private sealed class RetryForever : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) =>
            TimeSpan.FromMilliseconds(Math.Min(5000, 250 * Math.Pow(2, Math.Min(retryContext.PreviousRetryCount, 5))));
    }
}
