using Dashboard.Client;
using Dashboard.Model.Events;
using Dashboard.Services;
using Dashboard.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Web.Tests;

public sealed class RunStreamRelayTests : IAsyncLifetime
{
    private AppProcess _service = null!;
    private ServiceProvider _services = null!;

    private static CancellationToken Token => Xunit.TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _service = await AppProcess.StartAsync("Dashboard.Runs", ["--Streams:DatabasePath", "{data}/runs.db", "--Streams:LongPollTimeoutMs", "1000", "--Logging:LogLevel:Default", "Warning"]);
        var collection = new ServiceCollection();
        collection.AddRunsClient((_, o) => o.BaseAddress = _service.BaseAddress);
        _services = collection.BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _service.DisposeAsync();
    }

    private IRunsClient Client => _services.GetRequiredService<IRunsClient>();

    private async Task ReportAsync(string runId, params RunEvent[] events) => await Client.ReportAsync(runId, events, cancellationToken: Token);

    private static DateTimeOffset At(int second) => new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero).AddSeconds(second);

    [Fact]
    public async Task Join_FromASnapshotOffset_DeliversExactlyWhatCameAfter_InOrder()
    {
        var hub = new RecordingHubContext();
        using var relay = new RunStreamRelay(_services, hub, NullLogger<RunStreamRelay>.Instance);
        await ReportAsync("relay-1", new RunStarted { Timestamp = At(0), WorkflowId = "wf" }, new StepStarted { Timestamp = At(1), StepId = "a" });
        var snapshot = await Client.Run("relay-1").TimelineAsync(cancellationToken: Token);

        await ReportAsync("relay-1", new StepCompleted { Timestamp = At(2), StepId = "a" });
        await relay.JoinRunAsync("conn-1", "relay-1", snapshot.Offset, Token);
        await ReportAsync("relay-1", new StepStarted { Timestamp = At(3), StepId = "b" }, new StepCompleted { Timestamp = At(4), StepId = "b" });
        await ReportAsync("relay-1", new RunCompleted { Timestamp = At(5) });

        var recorder = hub.Connections["conn-1"];
        await WaitUntilAsync(() => recorder.Events.Count >= 4);
        Assert.Equal([typeof(StepCompleted), typeof(StepStarted), typeof(StepCompleted), typeof(RunCompleted)], recorder.Events.Select(e => e.GetType()));
        var offsets = recorder.Events.Select(e => e.Offset!).ToList();
        Assert.Equal(offsets.Distinct().Order(StringComparer.Ordinal), offsets);
        Assert.True(string.CompareOrdinal(offsets[0], snapshot.Offset) > 0);
    }

    [Fact]
    public async Task SecondViewer_GetsItsOwnCatchUp_AndTheUpstreamStopsWithTheLastViewer()
    {
        var hub = new RecordingHubContext();
        using var relay = new RunStreamRelay(_services, hub, NullLogger<RunStreamRelay>.Instance);
        await ReportAsync("relay-2", new RunStarted { Timestamp = At(0), WorkflowId = "wf" });

        await relay.JoinRunAsync("first", "relay-2", "-1", Token);
        await ReportAsync("relay-2", new StepStarted { Timestamp = At(1), StepId = "a" });
        await relay.JoinRunAsync("second", "relay-2", "-1", Token);
        Assert.Equal(1, relay.ActiveUpstreams);
        await ReportAsync("relay-2", new StepCompleted { Timestamp = At(2), StepId = "a" });

        foreach (var connection in new[] { "first", "second" })
        {
            await WaitUntilAsync(() => hub.Connections[connection].Events.Count >= 3);
            Assert.Equal([typeof(RunStarted), typeof(StepStarted), typeof(StepCompleted)], hub.Connections[connection].Events.Select(e => e.GetType()));
        }

        relay.LeaveRun("first", "relay-2");
        Assert.Equal(1, relay.ActiveUpstreams);
        relay.LeaveAll("second");
        Assert.Equal(0, relay.ActiveUpstreams);
    }

    [Fact]
    public async Task AStalledViewer_IsDroppedAndToldToResync_OthersGetEverything_AndItsRejoinHasNoGap()
    {
        var hub = new RecordingHubContext();
        using var relay = new RunStreamRelay(_services, hub, NullLogger<RunStreamRelay>.Instance, maxQueuedItems: 20);
        await ReportAsync("relay-slow", new RunStarted { Timestamp = At(0), WorkflowId = "wf" });
        var slow = (RecordingHubContext.Recorder)hub.Clients.Client("slow");
        var fast = (RecordingHubContext.Recorder)hub.Clients.Client("fast");
        slow.Stall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await relay.JoinRunAsync("fast", "relay-slow", "-1", Token);
        await relay.JoinRunAsync("slow", "relay-slow", "-1", Token);
        // Six batches of ten events, each delivered to the live connection before the next: only the stalled one falls behind.
        for (var batch = 0; batch < 6; batch++)
        {
            var steps = Enumerable.Range(5 * batch, 5).SelectMany(i => new RunEvent[]
            {
                new StepStarted { Timestamp = At(1 + (2 * i)), StepId = $"s{i}" },
                new StepCompleted { Timestamp = At(2 + (2 * i)), StepId = $"s{i}" },
            }).ToArray();
            await ReportAsync("relay-slow", steps);
            var expected = 1 + (10 * (batch + 1));
            await WaitUntilAsync(() => fast.Events.Count >= expected);
        }

        // The stalled connection's queue would pass 20 items: it is dropped and asked to resync; the other got all 61.
        await WaitUntilAsync(() => slow.Resyncs.Contains("relay-slow"));
        Assert.Equal(61, fast.Events.Count);
        Assert.Empty(fast.Resyncs);
        Assert.Equal(1, relay.ActiveUpstreams);

        // The browser catches up with what it had in flight, then joins again from its last offset: nothing lost or repeated.
        slow.Stall.SetResult();
        await WaitUntilAsync(() => slow.Events.Count >= 1);
        await relay.JoinRunAsync("slow", "relay-slow", slow.Events[^1].Offset, Token);
        await WaitUntilAsync(() => slow.Events.Count >= 61);
        Assert.Equal(fast.Events.Select(e => e.Offset), slow.Events.Select(e => e.Offset));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the relay");
            await Task.Delay(25, Token);
        }
    }
}
