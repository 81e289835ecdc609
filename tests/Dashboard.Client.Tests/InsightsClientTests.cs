using Dashboard.Client.Errors;
using Dashboard.Model.Insights;
using Dashboard.Model.Runs;

namespace Dashboard.Client.Tests;

public sealed class InsightsClientTests(RunsServiceProcess fixture) : IClassFixture<RunsServiceProcess>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Insights_ReadTheFleetThroughTheClient_WithinItsWorkflows()
    {
        var (client, services) = ClientFactory.Create(fixture.Service.BaseAddress);
        await using var _ = services;
        var workflow = $"wf-fleet-{Guid.NewGuid():N}";
        var other = $"wf-other-{Guid.NewGuid():N}";
        foreach (var (wf, fails) in (ValueTuple<string, bool>[])[(workflow, true), (workflow, false), (other, true)])
        {
            await using var reporter = new RunReporter(client, $"fleet-{Guid.NewGuid():N}");
            reporter.StartRun(wf, "Fleet");
            reporter.StartStep("charge");
            if (fails)
            {
                reporter.FailStep("charge", new ErrorInfo { Code = "E_CARD", Message = $"card {Random.Shared.Next(1000, 9999)} declined" }, willRetry: false,
                    model: "fraud-model");
                reporter.FailRun(new ErrorInfo { Code = "E_CARD", Message = $"card {Random.Shared.Next(1000, 9999)} declined" });
            }
            else
            {
                reporter.CompleteStep("charge", model: "fraud-model", costUsd: 0.25m);
                reporter.CompleteRun();
            }
        }
        var range = InsightsRange.Last(TimeSpan.FromHours(1), DateTimeOffset.UtcNow.AddMinutes(1));
        var scoped = client.ForWorkflows([workflow]).Insights;

        var summary = await scoped.SummaryAsync(range, Token);
        var groups = await scoped.FailuresAsync(range, cancellationToken: Token);
        var steps = await client.Insights.StepsAsync(range with { WorkflowId = workflow }, Token);
        var series = await client.Insights.TimeseriesAsync(range with { WorkflowId = workflow }, "minute", Token);
        var models = await scoped.ModelsAsync(range, Token);

        Assert.Equal((2, 0.5, 0.25m), (summary.Runs, summary.FailureRate, summary.CostUsd));
        var group = Assert.Single(groups.Groups);
        Assert.Equal((workflow, "charge", "E_CARD", 1L), (group.WorkflowId, group.StepId, group.ErrorCode, group.Count));
        Assert.Equal(2, Assert.Single(steps.Steps).Attempts);
        // The whole hours the step figures cover, around the period asked for.
        Assert.True(steps.CountedFrom <= range.From && steps.CountedTo >= range.To && steps.CountedFrom!.Value.Minute == 0, $"{steps.CountedFrom} to {steps.CountedTo}");
        Assert.Equal(2, series.Buckets.Sum(b => b.Runs));
        // The other workflow's failed call is not the scoped caller's to see.
        var model = Assert.Single(models.Models);
        Assert.Equal(("fraud-model", 2L, 1L, 1L, 1, 0.25m), (model.Model, model.Calls, model.Failed, model.PricedCalls, model.Workflows, model.CostUsd));
        // The runs behind the row: the scoped caller's two that called the model, not the other workflow's.
        var calledIt = await client.ForWorkflows([workflow]).ListRunsAsync(new RunsQuery { Model = "fraud-model" }, Token);
        Assert.Equal(2, calledIt.Items.Count);
        Assert.All(calledIt.Items, run => Assert.Equal(workflow, run.WorkflowId));
        var error = await Assert.ThrowsAsync<InvalidInputException>(() => client.Insights.SummaryAsync(range with { From = range.To.AddHours(1) }, Token));
        Assert.Contains("from must be before to", error.Message, StringComparison.Ordinal);
        // A group's runs: its signature lists the failed run, and a signature of no group lists none.
        var groupRuns = await client.ListRunsAsync(new RunsQuery { FailureSignature = group.Signature }, Token);
        Assert.Equal((workflow, RunStatus.Failed), (Assert.Single(groupRuns.Items).WorkflowId, groupRuns.Items[0].Status));
        Assert.Empty((await client.ListRunsAsync(new RunsQuery { FailureSignature = "0000000000000000" }, Token)).Items);
        // The group by its signature (what the list names it by); null for none, and for a caller that does not see it.
        var named = await scoped.FailureGroupAsync(group.Signature, Token);
        Assert.Equal((group.WorkflowId, group.StepId, group.Message, 1L), (named!.WorkflowId, named.StepId, named.Message, named.Count));
        Assert.Null(await scoped.FailureGroupAsync("0000000000000000", Token));
        Assert.Null(await client.ForWorkflows([other]).Insights.FailureGroupAsync(group.Signature, Token));
        // A picker's search: the workflows whose id holds the text, and how many; the scoped caller's alone.
        var found = await client.FacetsAsync(workflow[3..].ToUpperInvariant(), 5, Token);
        var foundScoped = await client.ForWorkflows([workflow]).FacetsAsync("wf-", 5, Token);
        Assert.Equal((workflow, 1), (Assert.Single(found.Workflows).WorkflowId, found.TotalWorkflows));
        Assert.Equal((workflow, 1), (Assert.Single(foundScoped.Workflows).WorkflowId, foundScoped.TotalWorkflows));
        var badLimit = await Assert.ThrowsAsync<InvalidInputException>(() => client.FacetsAsync(null, 1001, Token));
        Assert.Contains("workflowLimit", badLimit.Message, StringComparison.Ordinal);
    }
}
