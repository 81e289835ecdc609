using Dashboard.Client.Errors;
using Dashboard.Model.Runs;

namespace Dashboard.Client.Tests;

/// <summary>
/// Any id of 1-256 printable characters is one path segment everywhere: reported, read back through every route of the
/// client, the seeds' shapes and the live stream, and signed into an embed link, it is the same string.
/// </summary>
public sealed class IdRoundTripTests(RunsServiceProcess fixture) : IClassFixture<RunsServiceProcess>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public static TheoryData<string> AwkwardIds =>
    [
        "orders/1234",
        "a%2Fb literally",
        "100% done?",
        "spaces  and #hash & amp=eq",
        "ünïcødé ✓ 注文/42",
        "+plus+and;semi",
        new string('x', 240) + "/" + new string('é', 15),
    ];

    [Theory]
    [MemberData(nameof(AwkwardIds))]
    public async Task AnAwkwardId_RoundTripsThroughIngestionEveryReadAndTheLiveStream(string id)
    {
        var (client, services) = ClientFactory.Create(fixture.Service.BaseAddress);
        await using var _ = services;
        var runId = id;
        var childId = id + "/child";
        var stepId = "step/" + id[..Math.Min(id.Length, 200)];
        var workflowId = "wf/" + id[..Math.Min(id.Length, 200)];
        await using (var reporter = new RunReporter(client, runId))
        {
            reporter.StartRun(workflowId, triggerType: "api", input: new { id });
            reporter.StartStep(stepId, new { id });
            reporter.FailStep(stepId, new ErrorInfo { Message = "first try" }, willRetry: true);
            reporter.StartStep(stepId, attempt: 2);
            reporter.CompleteStep(stepId, new { echoed = id });
            reporter.CompleteRun(new { id });
        }
        if (childId.Length <= Ids.MaxLength)
        {
            await using var child = new RunReporter(client, childId);
            child.StartRun(workflowId, parentRunId: runId);
            child.CompleteRun();
        }
        var run = client.Run(runId);

        Assert.Equal(runId, (await run.RecordAsync(cancellationToken: Token)).Id);
        Assert.Equal(workflowId, (await run.RecordAsync(cancellationToken: Token)).WorkflowId);
        var trace = await run.TraceAsync(cancellationToken: Token);
        Assert.Equal((runId, stepId), (trace.FlowRun.Id, trace.Steps.Single().StepId));
        var attempts = await run.StepTraceAsync(stepId, Attempt.All, cancellationToken: Token);
        Assert.Equal([1, 2], attempts.Attempts.Select(a => a.Attempt));
        Assert.Equal(1, (await run.StepTraceAsync(stepId, Attempt.Of(1), cancellationToken: Token)).Latest.Attempt);
        Assert.Equal(runId, (await run.TimelineAsync(cancellationToken: Token)).Record.Id);
        Assert.Equal(runId, (await run.SeedRecordAsync(cancellationToken: Token)).Id);
        Assert.Equal(runId, (await client.GetExecutionAsync(workflowId, runId, Token)).RunId);
        Assert.Contains(runId, (await client.ListExecutionsAsync(workflowId, cancellationToken: Token)).Executions.Select(e => e.RunId));
        Assert.Contains(runId, (await client.ListRunsAsync(new RunsQuery { WorkflowId = workflowId }, Token)).Items.Select(r => r.Id));
        if (childId.Length <= Ids.MaxLength)
        {
            Assert.Equal([childId], (await run.ChildrenAsync(cancellationToken: Token)).Select(c => c.Id));
            Assert.Equal(runId, (await client.Run(childId).RecordAsync(cancellationToken: Token)).ParentRunId);
        }
        var events = await run.EventsAsync(cancellationToken: Token);
        Assert.Equal(6, events.Items.Count);
        var live = new List<string>();
        await foreach (var e in run.LiveTraceAsync(cancellationToken: Token))
        {
            live.Add(e.Type);
        }
        Assert.Equal(6, live.Count);

        // A near miss is another run: the id is not normalised on the way (no %2F left encoded, no slash collapsed).
        var nearMiss = runId.Replace("/", "%2F", StringComparison.Ordinal);
        if (nearMiss != runId && nearMiss.Length <= Ids.MaxLength)
        {
            await Assert.ThrowsAsync<RunNotFoundException>(() => client.Run(nearMiss).RecordAsync(cancellationToken: Token));
        }
    }

    [Theory]
    [MemberData(nameof(AwkwardIds))]
    public void AnAwkwardId_SignsIntoAnEmbedLinkThatVerifiesForThatIdOnly(string id)
    {
        var now = DateTimeOffset.UtcNow;
        var link = EmbedLinks.SignRun(new Uri("https://runs.example.com/"), id, now.AddMinutes(5), "a-signing-key-of-some-length");

        // The dashboard reads the id back from the link's one path segment, and exp/sig from its query.
        var segment = link.AbsolutePath["/embed/runs/".Length..];
        Assert.DoesNotContain('/', segment);
        var query = System.Web.HttpUtility.ParseQueryString(link.Query);
        var decoded = Uri.UnescapeDataString(segment);
        Assert.Equal(id, decoded);
        Assert.Equal(EmbedLinks.Verdict.Valid, EmbedLinks.Verify(EmbedLinks.RunScope(decoded), query["exp"], query["sig"], "a-signing-key-of-some-length", now));
        Assert.Equal(EmbedLinks.Verdict.BadSignature, EmbedLinks.Verify(EmbedLinks.RunScope(decoded + "x"), query["exp"], query["sig"], "a-signing-key-of-some-length", now));
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("tab\there")]
    [InlineData("")]
    public async Task AnIdNoUrlCanCarry_IsRefusedBeforeAnyCall(string bad)
    {
        var counting = new CountingHandler();
        var (client, services) = ClientFactory.Create(fixture.Service.BaseAddress, handler: () => counting);
        await using var _ = services;

        Assert.Throws<ArgumentException>(() => client.Run(bad));
        Assert.Throws<ArgumentException>(() => client.Run(new string('x', Ids.MaxLength + 1)));
        await Assert.ThrowsAsync<ArgumentException>(() => client.ReportAsync(bad,
            [new Model.Events.RunStarted { WorkflowId = "wf", Timestamp = DateTimeOffset.UtcNow }], cancellationToken: Token));
        Assert.Equal(0, counting.Requests);
    }
}
