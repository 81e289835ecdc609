using Dashboard.Client.Errors;
using Dashboard.Model.Control;
using Dashboard.Model.Events;
using Dashboard.Model.Runs;
using Dashboard.Testing;

namespace Dashboard.Client.Tests;

/// <summary>The client's side of acting on runs: requests, their state, and an engine following the control stream.</summary>
public sealed class ControlClientTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static readonly string[] ServiceArgs = ["--Streams:DatabasePath", "{data}/runs.db", "--Streams:LongPollTimeoutMs", "1000", "--Logging:LogLevel:Default", "Warning"];

    private static async Task<string> RunningAsync(IRunsClient client, string workflow)
    {
        var runId = $"run-{Guid.NewGuid():N}";
        await client.ReportAsync(runId, [new RunStarted { Timestamp = DateTimeOffset.UtcNow, WorkflowId = workflow }, new StepStarted { Timestamp = DateTimeOffset.UtcNow, StepId = "work" }], cancellationToken: Token);
        return runId;
    }

    [Fact]
    public async Task AnEngineFollowsItsControlStream_FromAnOffset_AcrossARestart_WithoutRepeats()
    {
        var data = Directory.CreateTempSubdirectory("client-control-").FullName;
        var url = $"http://127.0.0.1:{ClientFactory.FreePort()}";
        var service = await AppProcess.StartAsync("Dashboard.Runs", ServiceArgs, data, url);
        try
        {
            var (client, services) = ClientFactory.Create(new Uri(url + "/"));
            await using var _ = services;
            var workflow = "wf-follow";
            var runs = new List<string>();
            for (var i = 0; i < 4; i++)
            {
                runs.Add(await RunningAsync(client, workflow));
            }
            var first = await client.Run(runs[0]).RequestAsync(ControlActions.Cancel, reason: "before the engine looked", cancellationToken: Token);

            // The engine remembers the offset of the last request it acted on and follows from there.
            var received = new List<ControlRequest>();
            var two = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
            var follow = Task.Run(async () =>
            {
                await foreach (var request in client.FollowControlAsync(workflow, first.Offset, new LiveOptions { MaxBackoff = TimeSpan.FromMilliseconds(300) }, stop.Token))
                {
                    received.Add(request);
                    if (received.Count == 2)
                    {
                        two.TrySetResult();
                    }
                    if (received.Count == 3)
                    {
                        return;
                    }
                }
            }, Token);

            await client.Run(runs[1]).RequestAsync(ControlActions.Cancel, cancellationToken: Token);
            await client.Run(runs[2]).RequestAsync(ControlActions.Cancel, cancellationToken: Token);
            await two.Task.WaitAsync(TimeSpan.FromSeconds(20), Token);

            await service.KillAsync();
            await service.DisposeAsync();
            service = await AppProcess.StartAsync("Dashboard.Runs", ServiceArgs, data, url);
            var last = await client.Run(runs[3]).RequestAsync(ControlActions.Cancel, reason: "after the restart", actingFor: "ops@example.com", cancellationToken: Token);
            await follow.WaitAsync(TimeSpan.FromSeconds(30), Token);

            Assert.Equal(runs.Skip(1), received.Select(r => r.RunId));
            Assert.Equal(last.RequestId, received[^1].RequestId);
            Assert.Equal("ops@example.com", received[^1].RequestedBy);
            Assert.Equal(last.Offset, received[^1].Offset);
        }
        finally
        {
            await service.DisposeAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task ARequestThatDoesNotFit_IsAnInvalidInputException_AndAReportedOutcomeSettlesTheRequest()
    {
        await using var service = await AppProcess.StartAsync("Dashboard.Runs", ServiceArgs);
        var (client, services) = ClientFactory.Create(service.BaseAddress);
        await using var _ = services;
        var runId = await RunningAsync(client, "wf-act");
        var run = client.Run(runId);

        await Assert.ThrowsAsync<InvalidInputException>(() => run.RequestAsync(ControlActions.Resume, new { approved = true }, cancellationToken: Token));
        var accepted = await run.RequestAsync(ControlActions.Cancel, reason: "runaway", idempotencyKey: "k1", cancellationToken: Token);
        Assert.Equal(accepted, await run.RequestAsync(ControlActions.Cancel, reason: "runaway", idempotencyKey: "k1", cancellationToken: Token));
        Assert.Equal("pending", Assert.Single(await run.ControlAsync(cancellationToken: Token)).State);

        await using (var reporter = new RunReporter(client, runId))
        {
            reporter.CancelRun("runaway", accepted.RequestId);
        }

        var state = Assert.Single(await run.ControlAsync(cancellationToken: Token));
        Assert.Equal(("done", "cancelled"), (state.State, state.Outcome));
        Assert.Equal(RunStatus.Cancelled, (await run.RecordAsync(cancellationToken: Token)).Status);
    }
}
