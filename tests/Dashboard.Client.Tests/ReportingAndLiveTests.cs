using Dashboard.Client.Errors;
using Dashboard.Model.Events;
using Dashboard.Model.Runs;
using Dashboard.Testing;

namespace Dashboard.Client.Tests;

public sealed class ReportingAndLiveTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static readonly string[] ServiceArgs = ["--Streams:DatabasePath", "{data}/runs.db", "--Streams:LongPollTimeoutMs", "1000", "--Logging:LogLevel:Default", "Warning"];

    [Fact]
    public async Task Reporter_ResendsALostBatch_AndTheServiceStoresItOnce()
    {
        await using var service = await AppProcess.StartAsync("Dashboard.Runs", ServiceArgs);
        var lose = new LoseFirstAnswerHandler();
        var (client, services) = ClientFactory.Create(service.BaseAddress, handler: () => lose);
        await using var _ = services;
        var runId = $"run-{Guid.NewGuid():N}";

        await using (var reporter = new RunReporter(client, runId, new RunReporterOptions { BatchSize = 3 }))
        {
            reporter.StartRun("wf-retry");
            reporter.StartStep("a");
            reporter.CompleteStep("a");
            reporter.StartStep("b");
            reporter.CompleteStep("b");
            reporter.CompleteRun();
        }

        Assert.Equal(1, lose.Lost);
        var events = await client.Run(runId).EventsAsync(cancellationToken: Token);
        Assert.Equal(6, events.Items.Count);
        Assert.Equal(6, events.Items.Select(e => e.EventId).Distinct().Count());
    }

    [Fact]
    public async Task Reporter_InvalidEvents_SurfaceAsInvalidInputOnFlush()
    {
        await using var service = await AppProcess.StartAsync("Dashboard.Runs", ServiceArgs);
        var (client, services) = ClientFactory.Create(service.BaseAddress);
        await using var _ = services;
        var reporter = new RunReporter(client, $"run-{Guid.NewGuid():N}");

        reporter.CompleteStep("never-started");

        await Assert.ThrowsAsync<InvalidInputException>(() => reporter.FlushAsync(Token));
        await reporter.DisposeAsync();
    }

    [Theory]
    [InlineData(LiveTransport.LongPoll)]
    [InlineData(LiveTransport.ServerSentEvents)]
    public async Task LiveTrace_AcrossAServiceRestart_LosesAndRepeatsNothing(LiveTransport transport)
    {
        var data = Directory.CreateTempSubdirectory("client-live-").FullName;
        var url = $"http://127.0.0.1:{ClientFactory.FreePort()}";
        var service = await AppProcess.StartAsync("Dashboard.Runs", ServiceArgs, data, url);
        try
        {
            var (client, services) = ClientFactory.Create(new Uri(url + "/"));
            await using var _ = services;
            var runId = $"run-{Guid.NewGuid():N}";
            var reporter = new RunReporter(client, runId, new RunReporterOptions { BatchSize = 1, MaxRetries = 50, MaxBackoff = TimeSpan.FromMilliseconds(300) });
            reporter.StartRun("wf-live");
            await reporter.FlushAsync(Token);

            var received = new List<RunEvent>();
            var firstTwo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var live = Task.Run(async () =>
            {
                await foreach (var e in client.Run(runId).LiveTraceAsync(options: new LiveOptions { MaxBackoff = TimeSpan.FromMilliseconds(300), Transport = transport }, cancellationToken: Token))
                {
                    received.Add(e);
                    if (received.Count == 2)
                    {
                        firstTwo.TrySetResult();
                    }
                }
            }, Token);

            reporter.StartStep("before-restart");
            await reporter.FlushAsync(Token);
            await firstTwo.Task.WaitAsync(TimeSpan.FromSeconds(20), Token);

            await service.KillAsync();
            // While the service is down, the engine keeps reporting; the reporter retries until it is back.
            reporter.CompleteStep("before-restart");
            reporter.StartStep("after-restart");
            var flushing = reporter.FlushAsync(Token);
            await service.DisposeAsync();
            service = await AppProcess.StartAsync("Dashboard.Runs", ServiceArgs, data, url);
            await flushing;
            reporter.CompleteStep("after-restart");
            reporter.CompleteRun(new { ok = true });
            await reporter.DisposeAsync();

            await live.WaitAsync(TimeSpan.FromSeconds(30), Token);
            var stored = await client.Run(runId).EventsAsync(cancellationToken: Token);
            Assert.Equal(stored.Items.Select(e => e.EventId), received.Select(e => e.EventId));
            Assert.Equal(6, received.Count);
            Assert.IsType<RunCompleted>(received[^1]);
            Assert.Equal(received.Select(e => e.Offset).Order(StringComparer.Ordinal), received.Select(e => e.Offset));
        }
        finally
        {
            await service.DisposeAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task LiveFeed_ShowsRunsAsTheyChange()
    {
        await using var service = await AppProcess.StartAsync("Dashboard.Runs", ServiceArgs);
        var (client, services) = ClientFactory.Create(service.BaseAddress);
        await using var _ = services;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var changes = new List<RunChange>();
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var feed = Task.Run(async () =>
        {
            await foreach (var change in client.LiveFeedAsync("-1", cancellationToken: stop.Token))
            {
                changes.Add(change);
                if (change.Status == RunStatus.Completed)
                {
                    seen.TrySetResult();
                }
            }
        }, Token);

        var start = DateTimeOffset.UtcNow;
        await client.ReportAsync("feed-run", [new RunStarted { Timestamp = start, WorkflowId = "wf-feed" }, new StepStarted { Timestamp = start, StepId = "charge" }],
            cancellationToken: Token);
        await client.ReportAsync("feed-run", [new StepFailed { Timestamp = start.AddMilliseconds(500), StepId = "charge", Error = new ErrorInfo { Message = "card declined" }, WillRetry = false }],
            cancellationToken: Token);
        await client.ReportAsync("feed-run", [new RunCompleted { Timestamp = start.AddSeconds(1) }], cancellationToken: Token);
        await seen.Task.WaitAsync(TimeSpan.FromSeconds(20), Token);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => feed);

        Assert.Equal([RunStatus.Running, RunStatus.Running, RunStatus.Completed], changes.Select(c => c.Status));
        // A step's failure carries its own error, while the run it failed in has none.
        var failed = changes[1];
        Assert.Equal(("step_failed", "charge", "card declined", false), (failed.Event, failed.StepId, failed.StepError, failed.WillRetry));
        Assert.Null(failed.ErrorMessage);
        // A batch names its last change and lists the ones before it: here the run's start.
        Assert.Equal(("step_started", "run_started"), (changes[0].Event, changes[0].Earlier?.Single().Event));
    }

    [Fact]
    public async Task KeyedService_RefusesAMissingKey_AndRateLimitsWithRetryAfter()
    {
        const string key = "client-test-key-0123456789";
        await using var service = await AppProcess.StartAsync("Dashboard.Runs",
        [
            .. ServiceArgs, "--Runs:ApiKeys:0:Key", key, "--Runs:ApiKeys:0:Scopes:0", "read", "--Runs:RateLimitPerMinute", "5",
        ]);
        var (anonymous, anonymousServices) = ClientFactory.Create(service.BaseAddress);
        await using var _ = anonymousServices;
        var (keyed, keyedServices) = ClientFactory.Create(service.BaseAddress, key);
        await using var __ = keyedServices;

        await Assert.ThrowsAsync<UnauthorizedException>(() => anonymous.ListRunsAsync(new RunsQuery(), Token));
        RateLimitedException? limited = null;
        for (var i = 0; i < 10 && limited is null; i++)
        {
            try
            {
                await keyed.ListRunsAsync(new RunsQuery(), Token);
            }
            catch (RateLimitedException ex)
            {
                limited = ex;
            }
        }
        Assert.NotNull(limited);
        Assert.True(limited.RetryAfter > TimeSpan.Zero);
    }
}
