using Dashboard.Client.Errors;
using Dashboard.Model.Events;
using Dashboard.Model.Runs;

namespace Dashboard.Client.Tests;

public sealed class ReadingTests(RunsServiceProcess fixture) : IClassFixture<RunsServiceProcess>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Reports a realistic run through the reporter: a retried LLM step, a loop, a skip, a child run.</summary>
    private async Task<(string RunId, string ChildId)> ReportRunAsync(IRunsClient client)
    {
        var runId = $"run-{Guid.NewGuid():N}";
        var childId = $"child-{Guid.NewGuid():N}";
        await using (var reporter = new RunReporter(client, runId))
        {
            reporter.StartRun("wf-support", "Support triage", "api", input: new { ticket = 1234 }, stepCount: 4);
            reporter.StartStep("classify", new { text = "My invoice is wrong" }, stepName: "Classify ticket", operation: "llm");
            reporter.FailStep("classify", new ErrorInfo { Code = "RATE_LIMIT", Message = "model overloaded" }, willRetry: true,
                model: "gpt-4o-mini", tokens: new TokenBreakdown { Prompt = 120, Completion = 0 }, costUsd: 0.00002m);
            reporter.StartStep("classify", attempt: 2);
            reporter.CompleteStep("classify", new { label = "billing" }, model: "gpt-4o-mini",
                tokens: new TokenBreakdown { Prompt = 120, Cached = 100, Completion = 8 }, costUsd: 0.00003m);
            for (var i = 0; i < 3; i++)
            {
                reporter.StartStep("lookup-invoice", new { index = i }, loopIndex: i);
                reporter.CompleteStep("lookup-invoice", new { found = i != 1 }, loopIndex: i);
            }
            reporter.SkipStep("escalate", "not urgent");
            reporter.CompleteRun(new { routedTo = "billing" });
        }
        await using (var child = new RunReporter(client, childId))
        {
            child.StartRun("wf-refund", parentRunId: runId);
            child.CompleteRun();
        }
        return (runId, childId);
    }

    [Fact]
    public async Task SearchAsync_FindsAValueInsideAStepsOutput_WhereItIs_AndSaysTheIndexHadCaughtUp()
    {
        var (client, services) = ClientFactory.Create(fixture.Service.BaseAddress);
        await using var _ = services;
        var (runId, _) = await ReportRunAsync(client);

        var page = await client.SearchAsync("billing", workflowId: "wf-support", cancellationToken: Token);

        Assert.False(page.IndexBehind);
        var hit = Assert.Single(page.Items, h => h.RunId == runId && h.StepId == "classify");
        Assert.Equal(Model.Search.SearchFields.Output, hit.Field);
        Assert.Equal(2, hit.Attempt);
        Assert.Contains(hit.Matches, m => hit.Snippet.Substring(m.Start, m.Length) == "billing");
        // Only the runs of the workflows a scoped client may see.
        Assert.Empty((await client.ForWorkflows(["wf-refund"]).SearchAsync("billing", cancellationToken: Token)).Items);
    }

    [Fact]
    public async Task ForWorkflows_SeesOnlyThoseWorkflows_InReadsListsAndLiveStreams()
    {
        var (client, services) = ClientFactory.Create(fixture.Service.BaseAddress);
        await using var _ = services;
        var (runId, childId) = await ReportRunAsync(client);
        var support = client.ForWorkflows(["wf-support"]);
        var refunds = client.ForWorkflows(["wf-refund"]);

        Assert.Equal(runId, (await support.Run(runId).RecordAsync(cancellationToken: Token)).Id);
        await Assert.ThrowsAsync<RunNotFoundException>(() => refunds.Run(runId).TraceAsync(cancellationToken: Token));
        await Assert.ThrowsAsync<RunNotFoundException>(async () =>
        {
            await foreach (var _ in refunds.Run(runId).LiveTraceAsync(cancellationToken: Token))
            {
            }
        });
        var listed = await refunds.ListRunsAsync(new RunsQuery { ParentRunId = runId }, Token);
        Assert.Equal([childId], listed.Items.Select(r => r.Id));
        Assert.Empty((await support.ListRunsAsync(new RunsQuery { ParentRunId = runId }, Token)).Items);
        // The unscoped client it came from still sees both.
        Assert.Equal(runId, (await client.Run(runId).RecordAsync(cancellationToken: Token)).Id);
    }

    [Fact]
    public async Task EveryReadMethod_ReturnsWhatWasReported()
    {
        var (client, services) = ClientFactory.Create(fixture.Service.BaseAddress);
        await using var _ = services;
        var (runId, childId) = await ReportRunAsync(client);
        var run = client.Run(runId);

        var trace = await run.TraceAsync(cancellationToken: Token);
        Assert.Equal(("wf-support", RunStatus.Completed, 4), (trace.FlowRun.FlowId, trace.FlowRun.Status, trace.FlowRun.StepCount));
        Assert.Equal(["classify", "lookup-invoice", "lookup-invoice", "lookup-invoice", "escalate"], trace.Steps.Select(s => s.StepId));
        Assert.NotNull(trace.Offset);

        // The timeline, whole and as its first page (what the run page shows of a big run while the rest loads).
        var whole = await run.TimelineAsync(cancellationToken: Token);
        var firstTwo = await run.TimelineAsync(limit: 2, cancellationToken: Token);
        Assert.True(whole.IsComplete);
        Assert.Equal(whole.Attempts.Count, whole.AttemptCount);
        Assert.False(firstTwo.IsComplete);
        Assert.Equal(whole.AttemptCount, firstTwo.AttemptCount);
        Assert.Equal(whole.Attempts.Take(2).Select(a => (a.StepId, a.Attempt)), firstTwo.Attempts.Select(a => (a.StepId, a.Attempt)));

        var latest = await run.StepTraceAsync("classify", cancellationToken: Token);
        var all = await run.StepTraceAsync("classify", Attempt.All, cancellationToken: Token);
        var first = await run.StepTraceAsync("classify", 1, cancellationToken: Token);
        var iteration = await run.StepTraceAsync("lookup-invoice", loopIndex: 1, cancellationToken: Token);
        Assert.Equal(2, latest.Latest.Attempt);
        Assert.Equal([1, 2], all.Attempts.Select(a => a.Attempt));
        Assert.Equal("model overloaded", first.Latest.ErrorContext!.Message);
        Assert.False(iteration.Latest.OutputContext!.Value.GetProperty("found").GetBoolean());

        var record = await run.RecordAsync(cancellationToken: Token);
        Assert.Equal((0.00005m, 240L, 100L), (record.CostUsd!.Value, record.PromptTokens, record.CachedTokens));

        var children = await run.ChildrenAsync(cancellationToken: Token);
        Assert.Equal([childId], children.Select(c => c.Id));

        var rollup = await run.RollupAsync(cancellationToken: Token);
        Assert.Equal(0.00005m, rollup.Total.CostUsd);
        Assert.Equal(2, rollup.Run.ByModel.Single().Calls);

        var events = await run.EventsAsync(cancellationToken: Token);
        Assert.True(events.Closed);
        Assert.IsType<RunStarted>(events.Items[0]);
        Assert.IsType<RunCompleted>(events.Items[^1]);
        var tail = await run.EventsAsync(tail: 2, cancellationToken: Token);
        Assert.Equal([typeof(StepSkipped), typeof(RunCompleted)], tail.Items.Select(e => e.GetType()));

        var execution = await client.GetExecutionAsync("wf-support", runId, Token);
        Assert.Equal(("completed", 5), (execution.Status, execution.Steps!.Count));
        var (executions, _) = await client.ListExecutionsAsync("wf-support", cancellationToken: Token);
        Assert.Contains(executions, e => e.RunId == runId);
    }

    [Fact]
    public async Task Logs_AreReadPageByPage_AndFiltered()
    {
        var (client, services) = ClientFactory.Create(fixture.Service.BaseAddress);
        await using var _ = services;
        var runId = $"run-{Guid.NewGuid():N}";
        await using (var reporter = new RunReporter(client, runId))
        {
            reporter.StartRun("wf-logs");
            reporter.StartStep("fetch");
            for (var i = 0; i < 7; i++)
            {
                reporter.Log(i == 5 ? "error" : "info", $"line {i}", stepId: i < 3 ? "fetch" : null);
            }
            reporter.CompleteStep("fetch");
        }
        var run = client.Run(runId);

        var lines = new List<RunLogLine>();
        string? cursor = null;
        do
        {
            var page = await run.LogsAsync(cursor: cursor, limit: 3, cancellationToken: Token);
            lines.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"line {i}"), lines.Select(l => l.Message));
        Assert.Equal(["line 5"], (await run.LogsAsync(level: "warn", cancellationToken: Token)).Items.Select(l => l.Message));
        Assert.Equal(3, (await run.LogsAsync(stepId: "fetch", cancellationToken: Token)).Items.Count);
        Assert.Equal(7, (await run.LogsAsync(limit: 1, cancellationToken: Token)).Total);
        var jumped = await run.LogsAsync(offset: 4, limit: 2, cancellationToken: Token);
        Assert.Equal(["line 4", "line 5"], jumped.Items.Select(l => l.Message));
        Assert.Null(jumped.Total);
        await Assert.ThrowsAsync<InvalidInputException>(() => run.LogsAsync(level: "loud", cancellationToken: Token));
        await Assert.ThrowsAsync<InvalidInputException>(() => run.LogsAsync(cursor: "1", offset: 2, cancellationToken: Token));
    }

    [Fact]
    public async Task ARunComparedWithAnother_IsAlignedStepByStep()
    {
        var (client, services) = ClientFactory.Create(fixture.Service.BaseAddress);
        await using var _ = services;
        var (first, _) = await ReportRunAsync(client);
        var (second, _) = await ReportRunAsync(client);

        var comparison = await client.Run(first).CompareWithAsync(second, cancellationToken: Token);

        Assert.Equal((first, second), (comparison.Left.Id, comparison.Right.Id));
        Assert.Equal(["classify", "lookup-invoice", "lookup-invoice", "lookup-invoice", "escalate"], comparison.Steps.Select(s => s.StepId));
        Assert.Equal([null, 0, 1, 2, null], comparison.Steps.Select(s => s.LoopIndex));
        Assert.Null(comparison.FirstDivergence);
        await Assert.ThrowsAsync<RunNotFoundException>(() => client.Run(first).CompareWithAsync($"run-{Guid.NewGuid():N}", cancellationToken: Token));
    }

    [Fact]
    public async Task ClientSideTotals_SumTheLatestAttempts_AsTheSeedDescribes()
    {
        var (client, services) = ClientFactory.Create(fixture.Service.BaseAddress);
        await using var _ = services;
        var (runId, _) = await ReportRunAsync(client);

        var trace = await client.Run(runId).TraceAsync(cancellationToken: Token);
        var totals = trace.Totals();

        // The seed sums the latest attempt of each step; the rollup (every attempt) is the exact figure.
        Assert.Equal(0.00003m, totals.CostUsd);
        Assert.Equal(128, totals.Tokens.Total);
        Assert.Equal(trace.Steps.Sum(s => s.DurationMs ?? 0), totals.StepDurationMs);
    }

    [Fact]
    public async Task ListAllRuns_PagesThroughEverything()
    {
        var (client, services) = ClientFactory.Create(fixture.Service.BaseAddress);
        await using var _ = services;
        var workflow = $"wf-list-{Guid.NewGuid():N}"[..20];
        for (var i = 0; i < 5; i++)
        {
            await client.ReportAsync($"{workflow}-{i}", [new RunStarted { Timestamp = DateTimeOffset.UtcNow.AddSeconds(i), WorkflowId = workflow }], cancellationToken: Token);
        }

        var pages = new List<RunsPage>();
        await foreach (var page in client.ListAllRunsAsync(new RunsQuery { WorkflowId = workflow, Limit = 2 }, Token))
        {
            pages.Add(page);
        }

        Assert.Equal(3, pages.Count);
        Assert.Equal(5, pages.SelectMany(p => p.Items).Select(r => r.Id).Distinct().Count());
        Assert.Equal(5, pages[0].StatusCounts["running"]);
    }

    [Fact]
    public async Task RunProxy_IsLazy()
    {
        var counter = new CountingHandler();
        var (client, services) = ClientFactory.Create(fixture.Service.BaseAddress, handler: () => counter);
        await using var _ = services;

        var run = client.Run("anything");

        Assert.Equal("anything", run.RunId);
        Assert.Equal(0, counter.Requests);
        await Assert.ThrowsAsync<RunNotFoundException>(() => run.TraceAsync(cancellationToken: Token));
        Assert.Equal(1, counter.Requests);
    }

    [Fact]
    public async Task TypedExceptions_NotFoundTimeoutInvalidAndServiceDown()
    {
        var (client, services) = ClientFactory.Create(fixture.Service.BaseAddress);
        await using var _ = services;

        await Assert.ThrowsAsync<RunNotFoundException>(() => client.Run("no-such-run").RecordAsync(cancellationToken: Token));
        var invalid = await Assert.ThrowsAsync<InvalidInputException>(() => client.ReportAsync("bad-run", [new StepStarted { Timestamp = DateTimeOffset.UtcNow, StepId = "x" }], cancellationToken: Token));
        Assert.Contains("run_started", invalid.Message, StringComparison.Ordinal);
        Assert.NotNull(invalid.RequestId);
        // A slow network: the answer comes after the call's own time-out.
        var (slow, slowServices) = ClientFactory.Create(fixture.Service.BaseAddress, handler: () => new SlowHandler(TimeSpan.FromSeconds(5)));
        await using (slowServices)
        {
            await Assert.ThrowsAsync<ApiTimeoutException>(() => slow.Run("any").TraceAsync(TimeSpan.FromMilliseconds(200), Token));
        }

        var (down, downServices) = ClientFactory.Create(new Uri($"http://127.0.0.1:{ClientFactory.FreePort()}/"));
        await using var __ = downServices;
        await Assert.ThrowsAsync<ApiConnectionException>(() => down.ListRunsAsync(new RunsQuery(), Token));
    }
}
