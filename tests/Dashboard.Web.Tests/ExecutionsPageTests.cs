using Dashboard.Client.Errors;
using Dashboard.Components.Pages;
using Dashboard.Model.Runs;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

public sealed class ExecutionsPageTests : DashboardTestContext
{
    private static RunRecord Run(string id, RunStatus status) => new()
    {
        Id = id,
        WorkflowId = "wf-invoices",
        WorkflowName = "Invoice approval",
        Status = status,
        TriggerType = "api",
        StartedAt = DateTimeOffset.UtcNow.AddMinutes(-3),
        DurationMs = 1500,
        StepCount = 4,
        TotalTokens = 12_345,
        CostUsd = 0.0042m,
    };

    [Fact]
    public void NoRuns_ShowsTheEmptyState()
    {
        RunsClient.Returns(RunsPage.Empty);

        var cut = Render<Executions>();

        cut.WaitForAssertion(() => Assert.Contains("No runs yet", cut.Find("[role=status]").TextContent, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("table"));
    }

    [Fact]
    public void Runs_AreListedWithStatusWorkflowDurationTokensAndExactCost()
    {
        RunsClient.Returns(new RunsPage { Items = [Run("run-1", RunStatus.Completed), Run("run-2", RunStatus.Failed)] });

        var cut = Render<Executions>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        var first = cut.FindAll("tbody tr")[0].TextContent;
        Assert.Contains("completed", first, StringComparison.Ordinal);
        Assert.Contains("Invoice approval", first, StringComparison.Ordinal);
        Assert.Contains("1.5 s", first, StringComparison.Ordinal);
        Assert.Contains("12,345", first, StringComparison.Ordinal);
        Assert.Contains("$0.0042", first, StringComparison.Ordinal);
        Assert.Equal("/runs/run-2", cut.FindAll("tbody tr")[1].QuerySelector("a")!.GetAttribute("href"));
    }

    [Fact]
    public void AModelInTheUrl_FiltersTheList_ThePickerShowsItAsInertText_AndClearingTakesItAway()
    {
        RunsClient.Returns(new RunsPage { Items = [Run("run-1", RunStatus.Completed)] });
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("/runs?model=%3Cscript%3Egpt-4o");

        var cut = Render<Executions>();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody tr")));
        Assert.Equal("<script>gpt-4o", RunsClient.Queries[^1].Model);
        Assert.Equal("<script>gpt-4o", ModelPicker(cut).GetAttribute("value"));
        Assert.Empty(cut.FindAll("script"));

        cut.FindAll("button").Single(b => b.TextContent.Trim() == "Clear filters").Click();

        cut.WaitForAssertion(() => Assert.Null(RunsClient.Queries[^1].Model));
        Assert.DoesNotContain("model=", navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void AFailureGroupInTheUrl_IsNamedOnItsChip_ByItsStepCodeAndMessage_AsInertText_AskedOnce()
    {
        RunsClient.Returns(new RunsPage { Items = [Run("run-1", RunStatus.Failed)] });
        RunsClient.FakeInsights.Groups =
        [
            new Dashboard.Model.Insights.FailureGroup
            {
                Signature = "0123456789abcdef", WorkflowId = "wf-pay", StepId = "charge", ErrorCode = "E_CARD", Message = "<script>card 4242</script> declined",
                Count = 12, FirstSeen = DateTimeOffset.UtcNow.AddDays(-2), LastSeen = DateTimeOffset.UtcNow, ExampleRunIds = ["run-1"],
            },
        ];
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("/runs?failure=0123456789abcdef&status=failed,timeout&workflow=wf-pay");

        var cut = Render<Executions>();

        cut.WaitForAssertion(() => Assert.Equal("charge · E_CARD: <script>card 4242</script> declined", cut.Find("[data-testid=failure-filter] .failure-name").TextContent));
        Assert.Empty(cut.FindAll("script"));
        var title = cut.Find("[data-testid=failure-filter]").GetAttribute("title")!;
        Assert.StartsWith("Failed and timed-out runs of one failure group of wf-pay, step charge: E_CARD", title, StringComparison.Ordinal);
        Assert.Contains("12 runs failed so", title, StringComparison.Ordinal);

        // Another status, the same group: the list loads again, the group is not asked for again.
        navigation.NavigateTo("/runs?failure=0123456789abcdef&status=failed&workflow=wf-pay");
        cut.WaitForAssertion(() => Assert.Equal([RunStatus.Failed], RunsClient.Queries[^1].Statuses));
        Assert.Equal(["0123456789abcdef"], RunsClient.FakeInsights.GroupLookups);

        // A signature of no group (or one the key does not see) keeps the plain name.
        navigation.NavigateTo("/runs?failure=fedcba9876543210");
        cut.WaitForAssertion(() => Assert.Equal("one failure group", cut.Find("[data-testid=failure-filter] .failure-name").TextContent));
        Assert.Equal(["0123456789abcdef", "fedcba9876543210"], RunsClient.FakeInsights.GroupLookups);

        // A step id with a hidden character (allowed in ids) shows it marked: two groups of look-alike steps tell apart.
        RunsClient.FakeInsights.Groups = [RunsClient.FakeInsights.Groups[0] with { Signature = "abcdefabcdefabcd", StepId = "char\u200Bge" }];
        navigation.NavigateTo("/runs?failure=abcdefabcdefabcd");
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=failure-filter] .failure-name .hidden-char")));
    }

    [Fact]
    public void TheModelPicker_IsOfferedOnlyWhereSomeStepNamedAModel()
    {
        RunsClient.Returns(new RunsPage { Items = [Run("run-1", RunStatus.Completed)] });

        var without = Render<Executions>();
        without.WaitForAssertion(() => Assert.Single(without.FindAll("tbody tr")));
        Assert.DoesNotContain(without.FindAll("label"), l => l.TextContent.Trim() == "Model");

        RunsClient.Facets = new Dashboard.Model.Insights.RunFacets([], []) { Models = ["gpt-4o", "claude-3-5-haiku"] };
        var with = Render<Executions>();
        with.WaitForAssertion(() => Assert.Equal("", ModelPicker(with).GetAttribute("value")));
    }

    /// <summary>The model picker's input (what it shows), found by its label.</summary>
    private static AngleSharp.Dom.IElement ModelPicker(IRenderedComponent<Executions> cut) =>
        cut.FindAll(".mud-input-control").Single(s => s.QuerySelector("label")?.TextContent.Trim() == "Model").QuerySelector("input")!;

    [Fact]
    public void ServiceDown_SaysSoAndRetryLoadsAgain()
    {
        RunsClient.Throws(new ApiConnectionException("refused")).Returns(new RunsPage { Items = [Run("run-1", RunStatus.Running)] });

        var cut = Render<Executions>();

        cut.WaitForAssertion(() => Assert.Contains("cannot be reached", cut.Markup, StringComparison.Ordinal));
        cut.FindAll("button").Single(b => b.TextContent.Contains("Retry", StringComparison.Ordinal)).Click();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody tr")));
        Assert.Equal(2, RunsClient.Queries.Count);
    }

    [Fact]
    public async Task WhileThePointerIsOnTheList_ChangesWait_AndOneReloadFollowsWhenItLeaves()
    {
        var newRunReported = false;
        RunsClient.Then((_, _) => Task.FromResult(new RunsPage
        {
            Items = newRunReported ? [Run("run-new", RunStatus.Running), Run("run-1", RunStatus.Running), Run("run-2", RunStatus.Failed)] : [Run("run-1", RunStatus.Running), Run("run-2", RunStatus.Failed)],
        }));
        var cut = Render<Executions>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        var loads = RunsClient.Queries.Count;

        cut.Find("[aria-label='Executions list']").TriggerEvent("onpointerenter", new PointerEventArgs());
        newRunReported = true;
        await Subscriptions.PushFeedAsync(new RunChange { RunId = "run-new", WorkflowId = "wf-invoices", Status = RunStatus.Running, Event = "run_started", At = DateTimeOffset.UtcNow });

        // The reload came due and waited: the rows under the pointer stay where they were, and the page says why.
        cut.WaitForAssertion(() => Assert.Contains("Updates paused while pointing", cut.Find("[aria-label='Executions list'] [role=status]").TextContent, StringComparison.Ordinal),
            TimeSpan.FromSeconds(10));
        Assert.Equal(loads, RunsClient.Queries.Count);
        Assert.Equal(["run-1", "run-2"], cut.FindAll("tbody tr a").Select(a => a.TextContent));

        cut.Find("[aria-label='Executions list']").TriggerEvent("onpointerleave", new PointerEventArgs());
        cut.WaitForAssertion(() => Assert.Equal(["run-new", "run-1", "run-2"], cut.FindAll("tbody tr a").Select(a => a.TextContent)), TimeSpan.FromSeconds(10));
        Assert.Equal(loads + 1, RunsClient.Queries.Count);
        Assert.Empty(cut.FindAll("[aria-label='Executions list'] [role=status]"));
    }

    [Fact]
    public async Task APointerArrivingWhileAReloadReads_KeepsTheRowsItCameTo()
    {
        // The live reload's answer comes only after the pointer is on the list: without the hold calling it off, it
        // would reorder the rows under the pointer after the list said it held still.
        var slowAnswer = new TaskCompletionSource<RunsPage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fresh = new RunsPage { Items = [Run("run-new", RunStatus.Running), Run("run-1", RunStatus.Running), Run("run-2", RunStatus.Failed)] };
        RunsClient.Returns(new RunsPage { Items = [Run("run-1", RunStatus.Running), Run("run-2", RunStatus.Failed)] })
            .Then((_, _) => slowAnswer.Task)
            .Returns(fresh);
        var cut = Render<Executions>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        var loads = RunsClient.Queries.Count;

        await Subscriptions.PushFeedAsync(new RunChange { RunId = "run-new", WorkflowId = "wf-invoices", Status = RunStatus.Running, Event = "run_started", At = DateTimeOffset.UtcNow });
        cut.WaitForAssertion(() => Assert.Equal(loads + 1, RunsClient.Queries.Count), TimeSpan.FromSeconds(10));
        cut.Find("[aria-label='Executions list']").TriggerEvent("onpointerenter", new PointerEventArgs());
        slowAnswer.SetResult(fresh);

        // The answer is dropped, the change it was for waits like any other, and the page is not left "loading".
        cut.WaitForAssertion(() => Assert.Contains("Updates paused while pointing", cut.Find("[aria-label='Executions list'] [role=status]").TextContent, StringComparison.Ordinal),
            TimeSpan.FromSeconds(10));
        cut.WaitForAssertion(() => Assert.False(cut.FindAll("button").Single(b => b.TextContent.Contains("Refresh", StringComparison.Ordinal)).HasAttribute("disabled")));
        Assert.Equal(["run-1", "run-2"], cut.FindAll("tbody tr a").Select(a => a.TextContent));

        cut.Find("[aria-label='Executions list']").TriggerEvent("onpointerleave", new PointerEventArgs());
        cut.WaitForAssertion(() => Assert.Equal(["run-new", "run-1", "run-2"], cut.FindAll("tbody tr a").Select(a => a.TextContent)), TimeSpan.FromSeconds(10));
        Assert.Equal(loads + 2, RunsClient.Queries.Count);
    }

    [Fact]
    public void Timeout_SaysTheServiceDidNotAnswerInTime()
    {
        RunsClient.Throws(new ApiTimeoutException("slow"));

        var cut = Render<Executions>();

        cut.WaitForAssertion(() => Assert.Contains("did not answer in time", cut.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public void HostileRunValues_RenderAsText()
    {
        var hostile = Run("<img src=x onerror=alert(1)>", RunStatus.Failed) with { WorkflowName = "<script>alert('x')</script>" };
        RunsClient.Returns(new RunsPage { Items = [hostile] });

        var cut = Render<Executions>();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody tr")));
        Assert.Empty(cut.FindAll("tbody script"));
        Assert.Empty(cut.FindAll("tbody img"));
        Assert.Contains("<script>alert('x')</script>", cut.Find("tbody tr").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void CustomRange_RoundTripsThroughTheUrl_AndBecomesTheQuerysBounds()
    {
        var filter = Dashboard.Model.ExecutionsFilter.FromUrl(null, null, null, null, null, null, "custom", null, null, null, "2026-11-01T00:00:00Z", "2026-11-02T12:00:00Z");
        var url = filter.ToUrl();
        var again = Dashboard.Model.ExecutionsFilter.FromUrl(null, null, null, null, null, null, url["range"] as string, null, null, null, url["from"] as string, url["to"] as string);
        var query = again.ToQuery(DateTimeOffset.UtcNow);

        Assert.Equal(url, again.ToUrl());
        Assert.Equal((new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 2, 12, 0, 0, TimeSpan.Zero)), (query.From!.Value, query.To!.Value));
        // A custom range without bounds is no range.
        Assert.Null(Dashboard.Model.ExecutionsFilter.FromUrl(null, null, null, null, null, null, "custom", null, null, null).Range);
    }
}
