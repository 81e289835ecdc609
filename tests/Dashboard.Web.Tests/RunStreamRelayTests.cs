using Dashboard.Client;
using Dashboard.Model.Events;
using Dashboard.Client.Errors;
using Dashboard.Model.Runs;
using Dashboard.Security;
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

    private RunStreamRelay NewRelay(int maxQueuedItems = 10_000) => new(_services, NullLogger<RunStreamRelay>.Instance, maxQueuedItems);

    private static readonly WorkflowAccess Everything = new(null);

    /// <summary>What one subscriber was given; <see cref="Stall"/> holds its deliveries, as a browser that stopped reading.</summary>
    private sealed class Recorder
    {
        private readonly List<RunEvent> _events = [];

        public TaskCompletionSource? Stall { get; set; }

        public IReadOnlyList<RunEvent> Events
        {
            get
            {
                lock (_events)
                {
                    return _events.ToList();
                }
            }
        }

        public async Task Deliver(IReadOnlyList<RunEvent> events)
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
    }

    [Fact]
    public async Task Subscribe_FromASnapshotOffset_DeliversExactlyWhatCameAfter_InOrder()
    {
        using var relay = NewRelay();
        await ReportAsync("relay-1", new RunStarted { Timestamp = At(0), WorkflowId = "wf" }, new StepStarted { Timestamp = At(1), StepId = "a" });
        var snapshot = await Client.Run("relay-1").TimelineAsync(cancellationToken: Token);

        await ReportAsync("relay-1", new StepCompleted { Timestamp = At(2), StepId = "a" });
        var recorder = new Recorder();
        using var subscription = await relay.SubscribeRunAsync("relay-1", snapshot.Offset, Everything, recorder.Deliver, Token);
        await ReportAsync("relay-1", new StepStarted { Timestamp = At(3), StepId = "b" }, new StepCompleted { Timestamp = At(4), StepId = "b" });
        await ReportAsync("relay-1", new RunCompleted { Timestamp = At(5) });

        await WaitUntilAsync(() => recorder.Events.Count >= 4);
        Assert.Equal([typeof(StepCompleted), typeof(StepStarted), typeof(StepCompleted), typeof(RunCompleted)], recorder.Events.Select(e => e.GetType()));
        var offsets = recorder.Events.Select(e => new EventOffset(e.Offset!)).ToList();
        Assert.Equal(offsets.Distinct().Order(), offsets);
        Assert.True(offsets[0] > new EventOffset(snapshot.Offset!));
    }

    [Fact]
    public async Task SecondSubscriber_GetsItsOwnCatchUp_DisposingStopsDelivery_AndTheUpstreamStopsWithTheLast()
    {
        using var relay = NewRelay();
        await ReportAsync("relay-2", new RunStarted { Timestamp = At(0), WorkflowId = "wf" });
        var first = new Recorder();
        var second = new Recorder();

        var firstSubscription = await relay.SubscribeRunAsync("relay-2", "-1", Everything, first.Deliver, Token);
        await ReportAsync("relay-2", new StepStarted { Timestamp = At(1), StepId = "a" });
        var secondSubscription = await relay.SubscribeRunAsync("relay-2", null, Everything, second.Deliver, Token);
        Assert.Equal(1, relay.ActiveUpstreams);
        await ReportAsync("relay-2", new StepCompleted { Timestamp = At(2), StepId = "a" });

        foreach (var recorder in new[] { first, second })
        {
            await WaitUntilAsync(() => recorder.Events.Count >= 3);
            Assert.Equal([typeof(RunStarted), typeof(StepStarted), typeof(StepCompleted)], recorder.Events.Select(e => e.GetType()));
        }

        firstSubscription.Dispose();
        firstSubscription.Dispose();
        Assert.Equal(1, relay.ActiveUpstreams);
        await ReportAsync("relay-2", new StepStarted { Timestamp = At(3), StepId = "b" });
        await WaitUntilAsync(() => second.Events.Count >= 4);
        Assert.Equal(3, first.Events.Count);

        secondSubscription.Dispose();
        Assert.Equal(0, relay.ActiveUpstreams);
    }

    [Fact]
    public async Task AStalledSubscriber_OverflowsAndCatchesUpAgain_OthersGetEverything_NothingLostOrRepeated()
    {
        using var relay = NewRelay(maxQueuedItems: 20);
        await ReportAsync("relay-slow", new RunStarted { Timestamp = At(0), WorkflowId = "wf" });
        var slow = new Recorder { Stall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var fast = new Recorder();

        using var fastSubscription = await relay.SubscribeRunAsync("relay-slow", "-1", Everything, fast.Deliver, Token);
        using var slowSubscription = await relay.SubscribeRunAsync("relay-slow", "-1", Everything, slow.Deliver, Token);
        // Six batches of ten events, each delivered to the live subscriber before the next: only the stalled one falls behind.
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
        Assert.Equal(61, fast.Events.Count);
        Assert.Empty(slow.Events);

        // The stalled subscriber's queue passed 20 items and was dropped; once it reads again, the relay catches it up
        // from the last event it was given: every event once, in order.
        slow.Stall.SetResult();
        await WaitUntilAsync(() => slow.Events.Count >= 61);
        Assert.Equal(fast.Events.Select(e => e.Offset), slow.Events.Select(e => e.Offset));
        Assert.Equal(1, relay.ActiveUpstreams);
    }

    [Fact]
    public async Task ARunOutsideTheViewersAccess_IsNotFound_AndStartsNoUpstream()
    {
        using var relay = NewRelay();
        await ReportAsync("relay-private", new RunStarted { Timestamp = At(0), WorkflowId = "wf-private" });
        await ReportAsync("relay-other", new RunStarted { Timestamp = At(0), WorkflowId = "wf-other" });

        await Assert.ThrowsAsync<RunNotFoundException>(() => relay.SubscribeRunAsync("relay-private", null, WorkflowAccess.OfRun("relay-other"), _ => Task.CompletedTask, Token));
        await Assert.ThrowsAsync<RunNotFoundException>(() =>
            relay.SubscribeRunAsync("relay-private", null, WorkflowAccess.OfWorkflow("wf-other"), _ => Task.CompletedTask, Token));
        await Assert.ThrowsAsync<RunNotFoundException>(() => relay.SubscribeRunAsync("relay-missing", null, Everything, _ => Task.CompletedTask, Token));
        Assert.Equal(0, relay.ActiveUpstreams);
    }

    [Fact]
    public async Task AFeedSubscriber_IsGivenTheChangeMadeRightAfterItJoined_AndNoneFromBefore()
    {
        // Each round joins a relay with no feed reader yet: the join must not return before the reader knows where the
        // feed is, or a change reported right after it (what a portal does next) reaches nobody.
        for (var round = 0; round < 5; round++)
        {
            var before = $"feed-before-{round}";
            var after = $"feed-after-{round}";
            await ReportAsync(before, new RunStarted { Timestamp = At(0), WorkflowId = "wf" });
            using var relay = NewRelay();
            var changes = new List<RunChange>();
            using var subscription = await relay.SubscribeFeedAsync(Everything, batch =>
            {
                lock (changes)
                {
                    changes.AddRange(batch);
                }
                return Task.CompletedTask;
            }, cancellationToken: Token);
            await ReportAsync(after, new RunStarted { Timestamp = At(0), WorkflowId = "wf" });

            await WaitUntilAsync(() =>
            {
                lock (changes)
                {
                    return changes.Any(c => c.RunId == after);
                }
            });
            lock (changes)
            {
                Assert.DoesNotContain(changes, c => c.RunId == before);
            }
        }
    }

    [Fact]
    public async Task AStalledFeedSubscriber_IsToldOfTheGap_AndGetsLiveChangesAgainOnceItReads()
    {
        using var relay = NewRelay(maxQueuedItems: 5);
        var stall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gaps = 0;
        var changes = new List<RunChange>();
        using var subscription = await relay.SubscribeFeedAsync(Everything, async batch =>
        {
            await stall.Task;
            lock (changes)
            {
                changes.AddRange(batch);
            }
        }, () =>
        {
            Interlocked.Increment(ref gaps);
            return Task.CompletedTask;
        }, Token);

        // Twelve runs start while the subscriber reads nothing: more than its queue of five.
        for (var i = 0; i < 12; i++)
        {
            await ReportAsync($"feed-stall-{i}", new RunStarted { Timestamp = At(0), WorkflowId = "wf" });
        }
        await WaitUntilAsync(() => Volatile.Read(ref gaps) > 0);

        // It reads again, and live changes reach it again. A change made the moment it resumes can still find its queue
        // full (five changes wait that it has not taken yet): that one is dropped and a gap told, never dropped quietly.
        // So each change made now is either delivered or told as a gap, and one soon is delivered.
        stall.SetResult();
        for (var attempt = 0; ; attempt++)
        {
            Assert.True(attempt < 10, "Ten changes after the subscriber resumed: none was delivered.");
            var gapsBefore = Volatile.Read(ref gaps);
            var runId = $"feed-after-gap-{attempt}";
            await ReportAsync(runId, new RunStarted { Timestamp = At(0), WorkflowId = "wf" });
            await WaitUntilAsync(() => Delivered(runId) || Volatile.Read(ref gaps) > gapsBefore);
            if (Delivered(runId))
            {
                break;
            }
        }
        lock (changes)
        {
            var offsets = changes.Select(c => new EventOffset(c.FeedOffset!)).ToList();
            Assert.Equal(offsets.Distinct().Order(), offsets);
        }

        bool Delivered(string runId)
        {
            lock (changes)
            {
                return changes.Any(c => c.RunId == runId);
            }
        }
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
