using System.Collections.Concurrent;
using Dashboard.Model.Events;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Client;

/// <summary>
/// Pushed updates from a dashboard's <c>/hubs/runs</c>, for a .NET service or portal: events of the runs it follows
/// (each once, in order) and the all-runs feed. Reconnects by itself, and after a reconnect follows every run again from
/// the last offset it received, so a dropped connection loses nothing. With a dashboard that requires sign-in, give it
/// a dashboard API key.
/// </summary>
public sealed class RunsHubClient : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly ConcurrentDictionary<string, Followed> _runs = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _starting = new(1, 1);
    private Func<IReadOnlyList<RunChange>, Task>? _feed;

    /// <param name="dashboardAddress">The dashboard's address, e.g. <c>https://runs.example.com/</c>.</param>
    /// <param name="apiKey">A dashboard API key, sent as a bearer token; null where none is needed.</param>
    /// <param name="configure">Further settings of the SignalR connection (logging, transports).</param>
    public RunsHubClient(Uri dashboardAddress, string? apiKey = null, Action<IHubConnectionBuilder>? configure = null)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(dashboardAddress, "hubs/runs"), options =>
            {
                if (apiKey is not null)
                {
                    // As a bearer token: every transport carries it (a WebSocket from a browser could not carry a header).
                    options.AccessTokenProvider = () => Task.FromResult<string?>(apiKey);
                }
            })
            .WithAutomaticReconnect(new RetryForever())
            .AddJsonProtocol(options => ModelJson.Configure(options.PayloadSerializerOptions));
        configure?.Invoke(builder);
        _connection = builder.Build();
        _connection.On<string, IReadOnlyList<RunEvent>>("RunEvents", OnRunEventsAsync);
        _connection.On<IReadOnlyList<RunChange>>("RunChanges", changes => _feed?.Invoke(changes) ?? Task.CompletedTask);
        _connection.Reconnected += _ => FollowAgainAsync();
    }

    /// <summary>The connection's state, as SignalR reports it.</summary>
    public HubConnectionState State => _connection.State;

    /// <summary>
    /// Follows <paramref name="runId"/>: events after <paramref name="fromOffset"/> (null: from the start; a snapshot's
    /// offset: what came after it) go to <paramref name="onEvents"/> until the returned handle is disposed. A run that
    /// does not exist, or that the key may not see, is a <c>Microsoft.AspNetCore.SignalR.HubException</c>.
    /// </summary>
    public async Task<IAsyncDisposable> FollowRunAsync(string runId, string? fromOffset, Func<IReadOnlyList<RunEvent>, Task> onEvents,
        CancellationToken cancellationToken = default)
    {
        var followed = new Followed(onEvents) { LastOffset = fromOffset };
        _runs[runId] = followed;
        try
        {
            await EnsureStartedAsync(cancellationToken);
            await _connection.InvokeAsync("JoinRun", runId, fromOffset, cancellationToken);
        }
        catch
        {
            _runs.TryRemove(runId, out _);
            throw;
        }
        return new Handle(async () =>
        {
            if (_runs.TryRemove(runId, out _) && _connection.State == HubConnectionState.Connected)
            {
                await _connection.InvokeAsync("LeaveRun", runId);
            }
        });
    }

    /// <summary>
    /// Changes of every run the key may see, from now on, to <paramref name="onChanges"/>. An empty list means changes
    /// were missed (a reconnect, or this client fell behind): read again what you list.
    /// </summary>
    public async Task<IAsyncDisposable> FollowFeedAsync(Func<IReadOnlyList<RunChange>, Task> onChanges, CancellationToken cancellationToken = default)
    {
        _feed = onChanges;
        await EnsureStartedAsync(cancellationToken);
        await _connection.InvokeAsync("JoinFeed", cancellationToken);
        return new Handle(async () =>
        {
            _feed = null;
            if (_connection.State == HubConnectionState.Connected)
            {
                await _connection.InvokeAsync("LeaveFeed");
            }
        });
    }

    private async Task EnsureStartedAsync(CancellationToken cancellationToken)
    {
        await _starting.WaitAsync(cancellationToken);
        try
        {
            if (_connection.State == HubConnectionState.Disconnected)
            {
                await _connection.StartAsync(cancellationToken);
            }
        }
        finally
        {
            _starting.Release();
        }
    }

    private async Task OnRunEventsAsync(string runId, IReadOnlyList<RunEvent> events)
    {
        if (!_runs.TryGetValue(runId, out var followed))
        {
            return;
        }
        // A rejoin may overlap what was already received: drop by offset.
        var fresh = events.Where(e => EventOffset.IsNew(e.Offset, followed.LastOffset)).ToList();
        if (fresh.Count == 0)
        {
            return;
        }
        followed.LastOffset = fresh[^1].Offset ?? followed.LastOffset;
        await followed.OnEvents(fresh);
    }

    /// <summary>A new connection knows nothing: follow every run again from the last offset received, and the feed.</summary>
    private async Task FollowAgainAsync()
    {
        foreach (var (runId, followed) in _runs)
        {
            await _connection.InvokeAsync("JoinRun", runId, followed.LastOffset);
        }
        if (_feed is { } feed)
        {
            await _connection.InvokeAsync("JoinFeed");
            await feed([]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        _starting.Dispose();
    }

    private sealed class Followed(Func<IReadOnlyList<RunEvent>, Task> onEvents)
    {
        public Func<IReadOnlyList<RunEvent>, Task> OnEvents { get; } = onEvents;
        public string? LastOffset { get; set; }
    }

    private sealed class Handle(Func<Task> dispose) : IAsyncDisposable
    {
        private int _disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                await dispose();
            }
        }
    }

    /// <summary>Live updates should come back whenever the dashboard does: retry with a capped backoff, forever.</summary>
    private sealed class RetryForever : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) =>
            TimeSpan.FromMilliseconds(Math.Min(5000, 250 * Math.Pow(2, Math.Min(retryContext.PreviousRetryCount, 5))));
    }
}
