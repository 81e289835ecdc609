using Dashboard.Client.Errors;
using Dashboard.Components.Pages;
using Dashboard.Model.Insights;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

public sealed class OverviewPageTests : DashboardTestContext
{
    private static InsightsSummary Summary(InsightsRange range, long runs, long failed, long timeout, decimal cost, InsightsSummary? previous = null) => new()
    {
        From = range.From,
        To = range.To,
        Runs = runs,
        ByStatus = new Dictionary<string, long> { ["completed"] = runs - failed - timeout, ["failed"] = failed, ["timeout"] = timeout },
        FailureRate = runs == 0 ? null : (double)(failed + timeout) / runs,
        DurationMs = new DurationPercentiles(1200, 4800, 9000),
        CostUsd = cost,
        Tokens = new TokenTotals(1000, 400, 200),
        Previous = previous,
    };

    private static FailureGroup Group(string message, string? step = "charge", long count = 3) => new()
    {
        Signature = Guid.NewGuid().ToString("N")[..16],
        WorkflowId = "wf-pay",
        StepId = step,
        ErrorCode = "E_CARD",
        Message = message,
        Count = count,
        FirstSeen = DateTimeOffset.UtcNow.AddHours(-5),
        LastSeen = DateTimeOffset.UtcNow.AddMinutes(-2),
        ExampleRunIds = ["run/newest", "run-older"],
        Trend = [0, 1, 0, 2],
    };

    [Fact]
    public void Headline_ShowsTheFiguresAndTheirChangeAgainstThePeriodBefore()
    {
        RunsClient.FakeInsights.Summary = range => Summary(range, 20, 3, 1, 1.5m, Summary(range, 10, 1, 0, 3m)) with
        {
            ByStatus = new Dictionary<string, long> { ["completed"] = 14, ["failed"] = 3, ["timeout"] = 1, ["cancelled"] = 2 },
        };

        var cut = Render<Overview>();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll(".figure")));
        var figures = cut.FindAll(".figure").ToDictionary(f => f.QuerySelector(".figure-label")!.TextContent, f => f.TextContent);
        Assert.Contains("20", figures["Runs"], StringComparison.Ordinal);
        Assert.Contains("+100%", figures["Runs"], StringComparison.Ordinal);
        Assert.Contains("4", figures["Failed"], StringComparison.Ordinal);
        Assert.Contains("3 failed · 1 timed out (2 cancelled, not counted)", figures["Failed"], StringComparison.Ordinal);
        Assert.Contains("+300%", figures["Failed"], StringComparison.Ordinal);
        Assert.Contains("$1.50", figures["Cost"], StringComparison.Ordinal);
        Assert.Contains("−50%", figures["Cost"], StringComparison.Ordinal);
        Assert.Contains("worse", cut.FindAll(".figure")[1].QuerySelector(".figure-change")!.ClassName, StringComparison.Ordinal);
        // The figures that count runs lead to them: the period's runs, and its failed and timed-out ones.
        var links = cut.FindAll(".figure a.figure-value").ToDictionary(a => a.GetAttribute("aria-label")!, a => a.GetAttribute("href"));
        Assert.Equal(new Dictionary<string, string?> { ["Runs: 20, list them"] = "/runs?range=24h", ["Failed: 4, list them"] = "/runs?status=failed%2Ctimeout&range=24h" }, links);
        Assert.Contains("better", cut.FindAll(".figure")[5].QuerySelector(".figure-change")!.ClassName, StringComparison.Ordinal);
    }

    [Fact]
    public void BatchesTheInsightsLeaveOut_AreSaidAboveTheFigures_AndNothingIsSaidWhenThereAreNone()
    {
        RunsClient.FakeInsights.Summary = range => Summary(range, 20, 3, 1, 1.5m) with
        {
            NotCounted = new InsightsNotCounted(3, new DateTimeOffset(2026, 12, 7, 9, 30, 0, TimeSpan.Zero)),
        };

        var cut = Render<Overview>();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll(".figure")));
        var note = cut.Find("[data-testid=not-counted]").TextContent;
        Assert.Contains("3 reported batches could not be added to the insights", note, StringComparison.Ordinal);
        Assert.Contains("every figure here leaves them out", note, StringComparison.Ordinal);

        RunsClient.FakeInsights.Summary = range => Summary(range, 20, 3, 1, 1.5m);
        cut.FindAll("button").First(b => b.TextContent.Contains("Refresh", StringComparison.Ordinal)).Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=not-counted]")));
    }

    [Fact]
    public void FailureGroups_ListMessageWhereAndWhen_AsInertText_AndLinkToTheNewestFailingStep()
    {
        RunsClient.FakeInsights.Summary = range => Summary(range, 5, 3, 0, 0m);
        RunsClient.FakeInsights.Groups = [Group("<script>alert('x')</script> card 4242 declined"), Group("quota exceeded", step: null, count: 1)];

        var cut = Render<Overview>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("table[aria-label='Failure groups'] tbody tr, [aria-label='Failure groups'] tbody tr").Count));
        var first = cut.FindAll("[aria-label='Failure groups'] tbody tr")[0];
        Assert.Contains("<script>alert('x')</script> card 4242 declined", first.QuerySelector(".message")!.TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("script"));
        Assert.Contains("E_CARD", first.TextContent, StringComparison.Ordinal);
        Assert.Contains("charge", first.TextContent, StringComparison.Ordinal);
        var newest = first.QuerySelectorAll("a").Single(a => a.TextContent == "Newest");
        Assert.Equal("/runs/run%2Fnewest?step=charge&tab=error", newest.GetAttribute("href"));
        // "All" lists the group's own runs, not every failure of its workflow, of the period shown (the last 24 hours).
        var all = first.QuerySelectorAll("a").Single(a => a.TextContent == "All");
        var signature = RunsClient.FakeInsights.Groups[0].Signature;
        Assert.Equal($"/runs?failure={signature}&status=failed%2Ctimeout&workflow=wf-pay&range=24h", all.GetAttribute("href"));
        Assert.NotNull(first.QuerySelector("svg.sparkline polyline"));
    }

    [Theory]
    [InlineData("/", new[] { true, false })]
    [InlineData("/?range=1h", new[] { false, false })]
    [InlineData("/?range=7d", new[] { true, true })]
    public void AFailureGroupWhoseFirstFailureIsInThePeriod_IsMarkedNew(string url, bool[] marked)
    {
        // One group failing since 5 hours ago, one since 3 days ago: new in the last 24 hours (the default), in the last
        // hour neither, in the last 7 days both.
        Services.GetRequiredService<NavigationManager>().NavigateTo(url);
        RunsClient.FakeInsights.Summary = range => Summary(range, 5, 3, 0, 0m);
        RunsClient.FakeInsights.Groups = [Group("card declined"), Group("quota exceeded") with { FirstSeen = DateTimeOffset.UtcNow.AddDays(-3) }];

        var cut = Render<Overview>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[aria-label='Failure groups'] tbody tr").Count));
        var rows = cut.FindAll("[aria-label='Failure groups'] tbody tr");
        Assert.Equal(marked, rows.Select(r => r.QuerySelector(".when .new")?.TextContent == "new").ToArray());
    }

    [Fact]
    public async Task FailureRateAndP95_AreChartsOfTheirOwn_EachOnItsOwnScale()
    {
        RunsClient.FakeInsights.Summary = range => Summary(range, 8, 3, 0, 0m);
        var start = DateTimeOffset.UtcNow.AddHours(-2);
        RunsClient.FakeInsights.Buckets =
        [
            new InsightsBucket { Start = start, Runs = 4, ByStatus = new Dictionary<string, long> { ["failed"] = 2, ["completed"] = 2 }, FailureRate = 0.5, P95DurationMs = 240_000 },
            new InsightsBucket { Start = start.AddHours(1), Runs = 4, ByStatus = new Dictionary<string, long> { ["failed"] = 1, ["completed"] = 3 }, FailureRate = 0.25, P95DurationMs = 60_000 },
        ];

        var cut = Render<Overview>();

        // One line each: a rate of 50 % and a p95 of 240 s on one axis made the rate a flat line at the bottom.
        cut.WaitForAssertion(() => Assert.Equal(3, JSInterop.Invocations["mudObserveElementSize"].Count));
        await ChartSizes.ReportAsync(JSInterop, cut, 400, 220);
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[aria-label='p95 duration in seconds over the period'] svg .mud-charts-yaxis text")));
        var rate = cut.Find("[aria-label='Failure rate in percent over the period']");
        var p95 = cut.Find("[aria-label='p95 duration in seconds over the period']");
        Assert.Equal(2, cut.FindAll(".charts h2").Count(h => h.TextContent.Contains("Failure rate", StringComparison.Ordinal) || h.TextContent.Contains("p95", StringComparison.Ordinal)));
        Assert.InRange(HighestAxisLabel(rate), 50, 100);
        Assert.InRange(HighestAxisLabel(p95), 240, 400);
        // Each from zero: an axis from 20 to 60 drew the fall from 50 % to 25 % as one of five sixths.
        Assert.Equal(0, AxisNumbers(rate).Min());
        Assert.Equal(0, AxisNumbers(p95).Min());
    }

    /// <summary>The highest number among a chart's axis labels.</summary>
    private static double HighestAxisLabel(AngleSharp.Dom.IElement chart) => AxisNumbers(chart).Max();

    /// <summary>A chart's axis labels that are numbers (its time labels are not).</summary>
    private static IEnumerable<double> AxisNumbers(AngleSharp.Dom.IElement chart) =>
        chart.QuerySelectorAll("svg text")
            .Select(t => double.TryParse(t.TextContent, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : double.NaN)
            .Where(n => !double.IsNaN(n));

    [Fact]
    public void NoRuns_SaysSo_WithoutFiguresOrTables()
    {
        var cut = Render<Overview>();

        cut.WaitForAssertion(() => Assert.Contains("No runs in this period", cut.Markup, StringComparison.Ordinal));
        Assert.Empty(cut.FindAll(".figure"));
        Assert.Empty(cut.FindAll("table"));
    }

    [Fact]
    public void AChosenWorkflow_InTheUrl_NarrowsEveryReadAndShowsItsSteps()
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo("/?workflow=wf-pay&range=7d");
        RunsClient.FakeInsights.Summary = range => Summary(range, 5, 1, 0, 0.25m);
        RunsClient.FakeInsights.Steps = [new StepHealth { StepId = "charge", Attempts = 7, Retries = 2, Failed = 1, Tokens = new TokenTotals(0, 0, 0), CostUsd = 0.25m }];
        RunsClient.FakeInsights.Workflows =
        [
            new WorkflowHealth { WorkflowId = "wf-pay", WorkflowName = "Payments", Runs = 5, Failed = 1 },
            new WorkflowHealth { WorkflowId = "wf-other", Runs = 9 },
        ];

        var cut = Render<Overview>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[aria-label='Step health']")));
        var calls = RunsClient.FakeInsights.Calls;
        Assert.All(calls, c => Assert.Equal("wf-pay", c.Range.WorkflowId));
        Assert.All(calls, c => Assert.Equal(TimeSpan.FromDays(7), c.Range.To - c.Range.From));
        Assert.Contains("charge", cut.Find("[aria-label='Step health'] tbody").TextContent, StringComparison.Ordinal);
        var workflowRows = cut.FindAll("[aria-label='Workflow health'] tbody tr");
        Assert.Contains("Payments", Assert.Single(workflowRows).TextContent, StringComparison.Ordinal);
        // Its counts lead to its runs of the period; the headline's to the chosen workflow's.
        Assert.Equal("/runs?workflow=wf-pay&range=7d", cut.Find("[aria-label='Runs of wf-pay: 5']").GetAttribute("href"));
        Assert.Equal("/runs?status=failed%2Ctimeout&workflow=wf-pay&range=7d", cut.Find("[aria-label='Failed runs of wf-pay: 1']").GetAttribute("href"));
        Assert.Equal("/runs?status=failed%2Ctimeout&workflow=wf-pay&range=7d", cut.Find("[aria-label='Failed: 1, list them']").GetAttribute("href"));
    }

    [Fact]
    public void ACustomPeriod_IsKeptByTheLinksToTheList()
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo("/?from=2026-11-01T00:00:00Z&to=2026-11-02T06:30:00Z&workflow=wf-pay");
        RunsClient.FakeInsights.Summary = range => Summary(range, 5, 3, 0, 1m);
        RunsClient.FakeInsights.Groups = [Group("card declined")];
        RunsClient.FakeInsights.Models = [new ModelUsage { Model = "gpt-4o", Calls = 4, Workflows = 1, CostUsd = 1m, Tokens = new TokenTotals(30, 0, 10) }];

        var cut = Render<Overview>();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[aria-label='Cost by model'] tbody tr")));
        const string period = "&range=custom&from=2026-11-01T00%3A00%3A00Z&to=2026-11-02T06%3A30%3A00Z";
        var all = cut.FindAll("[aria-label='Failure groups'] a").Single(a => a.TextContent == "All");
        Assert.EndsWith("&workflow=wf-pay" + period, all.GetAttribute("href"), StringComparison.Ordinal);
        Assert.Equal("/runs?model=gpt-4o&workflow=wf-pay" + period, cut.Find("[aria-label='Cost by model'] tbody a").GetAttribute("href"));
    }

    [Fact]
    public void AWorkflowOfThousandsOfSteps_ShowsTheFirst200_AndAColumnSortsThemAllAtTheService()
    {
        // An agent whose tool calls are steps of their own: 20,000 of them drew 20,000 rows (18 s, half a gigabyte).
        Services.GetRequiredService<NavigationManager>().NavigateTo("/?workflow=wf-agent");
        RunsClient.FakeInsights.Summary = range => Summary(range, 40, 0, 0, 1m);
        RunsClient.FakeInsights.Steps = [.. Enumerable.Range(0, 5_000).Select(i => new StepHealth
        {
            StepId = $"tool-call-{i:D5}", Attempts = 1, Failed = i % 100 == 0 ? 1 : 0, CostUsd = i / 1000m, Tokens = new TokenTotals(0, 0, 0),
        })];

        var cut = Render<Overview>();

        cut.WaitForAssertion(() => Assert.Equal(200, cut.FindAll("[aria-label='Step health'] tbody tr").Count));
        Assert.Equal("The first 200 of 5,000 steps, most failures first (sorted by the service over them all).", cut.Find("[data-testid=steps-shown]").TextContent);
        // Most failures first: the 50 failing steps lead.
        Assert.StartsWith("tool-call-00000", cut.FindAll("[aria-label='Step health'] tbody tr")[0].TextContent, StringComparison.Ordinal);

        cut.FindAll("[aria-label='Step health'] th button").First(b => b.TextContent.StartsWith("Cost", StringComparison.Ordinal)).Click();

        // The costliest of all 5,000, not of the 200 shown.
        cut.WaitForAssertion(() => Assert.StartsWith("tool-call-04999", cut.FindAll("[aria-label='Step health'] tbody tr")[0].TextContent, StringComparison.Ordinal));
        Assert.Equal(("cost", (bool?)true), RunsClient.FakeInsights.LastStepsOrder);
        Assert.Equal(200, cut.FindAll("[aria-label='Step health'] tbody tr").Count);
        Assert.Contains("by cost, highest first", cut.Find("[data-testid=steps-shown]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void AWorkflowPerTenant_ShowsTheFirst200Workflows_AndAColumnSortsThemAllAtTheService()
    {
        // 5,000 workflows (one per tenant) drew 5,000 rows: 4-5 s, and 400 MB more in the dashboard.
        RunsClient.FakeInsights.Summary = range => Summary(range, 5_000, 0, 0, 50m);
        RunsClient.FakeInsights.Workflows = [.. Enumerable.Range(0, 5_000).Select(i => new WorkflowHealth
        {
            WorkflowId = $"tenant-{i:D4}", Runs = 1, Failed = i % 1000 == 3 ? 1 : 0, CostUsd = i / 100m,
        })];

        var cut = Render<Overview>();

        cut.WaitForAssertion(() => Assert.Equal(200, cut.FindAll("[aria-label='Workflow health'] tbody tr").Count));
        Assert.Equal("The first 200 of 5,000 workflows, most failed runs first (sorted by the service over them all).", cut.Find("[data-testid=workflows-shown]").TextContent);
        Assert.StartsWith("tenant-0003", cut.FindAll("[aria-label='Workflow health'] tbody tr")[0].TextContent.Trim(), StringComparison.Ordinal);

        cut.FindAll("[aria-label='Workflow health'] th button").First(b => b.TextContent.StartsWith("Cost", StringComparison.Ordinal)).Click();

        cut.WaitForAssertion(() => Assert.StartsWith("tenant-4999", cut.FindAll("[aria-label='Workflow health'] tbody tr")[0].TextContent.Trim(), StringComparison.Ordinal));
        Assert.Equal(("cost", (bool?)true), RunsClient.FakeInsights.LastWorkflowsOrder);
        Assert.Contains("by cost, highest first", cut.Find("[data-testid=workflows-shown]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void StepHealthOfAQuarterHour_SaysItCountsTheWholeHour()
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo("/?workflow=wf-pay&range=15m");
        RunsClient.FakeInsights.Summary = range => Summary(range, 5, 1, 0, 0.25m);
        RunsClient.FakeInsights.Steps = [new StepHealth { StepId = "charge", Attempts = 7, Tokens = new TokenTotals(0, 0, 0) }];
        RunsClient.FakeInsights.Workflows = [new WorkflowHealth { WorkflowId = "wf-pay", Runs = 5 }];

        var cut = Render<Overview>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[aria-label='Step health']")));
        var from = Assert.Single(RunsClient.FakeInsights.Calls, c => c.Call == "steps").Range.From.UtcDateTime;
        var hour = new DateTime(from.Year, from.Month, from.Day, from.Hour, 0, 0, DateTimeKind.Utc);
        Assert.Contains(cut.FindAll("h2 ~ .hint").Select(h => h.TextContent),
            note => note == $"counted in whole hours, from {hour.ToString("MMM d, HH:mm", System.Globalization.CultureInfo.InvariantCulture)} UTC");
    }

    [Fact]
    public void AWorkflowOrStepWithoutAReportedCost_ShowsNoCost_NotZeroDollars_NorTokensWithoutModelCalls()
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo("/?workflow=wf-pay");
        RunsClient.FakeInsights.Summary = range => Summary(range, 5, 0, 0, 0m) with { CostUsd = null, Tokens = new TokenTotals(0, 0, 0) };
        RunsClient.FakeInsights.Steps =
        [
            new StepHealth { StepId = "fetch", Attempts = 3, Tokens = new TokenTotals(0, 0, 0) },
            new StepHealth { StepId = "local-llm", Attempts = 2, Tokens = new TokenTotals(0, 0, 0), CostUsd = 0m },
        ];
        RunsClient.FakeInsights.Workflows = [new WorkflowHealth { WorkflowId = "wf-pay", Runs = 5 }];

        var cut = Render<Overview>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[aria-label='Step health'] tbody tr").Count));
        var workflowCost = cut.Find("[aria-label='Workflow health'] tbody tr").Children[6];
        Assert.Equal(("—", "No cost reported"), (workflowCost.TextContent, workflowCost.GetAttribute("title")));
        var figures = cut.FindAll(".figure").ToDictionary(f => f.QuerySelector(".figure-label")!.TextContent, f => f);
        Assert.Contains("—", figures["Cost"].TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("$", figures["Cost"].TextContent, StringComparison.Ordinal);
        var stepCosts = cut.FindAll("[aria-label='Step health'] tbody tr").ToDictionary(
            row => row.Children[0].TextContent.Trim(), row => row.Children[7].TextContent);
        Assert.Equal("—", stepCosts["fetch"]);
        Assert.Equal("$0.00", stepCosts["local-llm"]);
        // Nor tokens where no model was called: "—", not 0 and "0 prompt (0 cached) · 0 completion".
        Assert.Contains("No model calls reported", figures["Tokens"].TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("0 prompt", figures["Tokens"].TextContent, StringComparison.Ordinal);
        Assert.All(cut.FindAll("[aria-label='Step health'] tbody tr"), row => Assert.Equal("—", row.Children[8].TextContent));
    }

    [Fact]
    public void CostByModel_ListsEachModelsCallsFailuresAndCost_AsInertText_AndIsLeftOutWhenNoStepNamedOne()
    {
        RunsClient.FakeInsights.Summary = range => Summary(range, 9, 1, 0, 1m);
        RunsClient.FakeInsights.Workflows = [new WorkflowHealth { WorkflowId = "wf-pay", Runs = 9 }];
        RunsClient.FakeInsights.Models =
        [
            new ModelUsage { Model = "gpt-4o", Calls = 4, Failed = 1, PricedCalls = 3, Workflows = 2, CostUsd = 0.75m, Tokens = new TokenTotals(3000, 1000, 500) },
            new ModelUsage { Model = "<script>alert(1)</script>", Calls = 2, Workflows = 1, Tokens = new TokenTotals(10, 0, 5) },
        ];

        var cut = Render<Overview>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[aria-label='Cost by model'] tbody tr").Count));
        var rows = cut.FindAll("[aria-label='Cost by model'] tbody tr").Select(r => r.Children.Select(c => c.TextContent.Trim()).ToArray()).ToArray();
        // Model, calls, failed, rate, workflows, tokens, cost a call (over the calls that reported a cost), cost: in the
        // service's order, costliest first.
        Assert.Equal(["gpt-4o", "4", "1", "25%", "2", "3,500", "$0.25", "$0.75"], rows[0]);
        Assert.Equal(["<script>alert(1)</script>", "2", "0", "0%", "1", "15", "—", "—"], rows[1]);
        Assert.Empty(cut.FindAll("script"));
        // Each model leads to the runs that called it.
        Assert.Equal(["/runs?model=gpt-4o&range=24h", "/runs?model=%3Cscript%3Ealert%281%29%3C%2Fscript%3E&range=24h"],
            cut.FindAll("[aria-label='Cost by model'] tbody tr td:first-child a").Select(a => a.GetAttribute("href")));
        Assert.Equal("$0.75 over 3 priced calls, about $0.25 a call (1 reported no cost)", cut.Find("[aria-label='Cost by model'] tbody tr").Children[6].GetAttribute("title"));
        Assert.Contains("models", RunsClient.FakeInsights.Calls.Select(c => c.Call));

        RunsClient.FakeInsights.Models = [];
        cut.FindAll("button").Single(b => b.TextContent.Contains("Refresh", StringComparison.Ordinal)).Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[aria-label='Cost by model']")));
        Assert.DoesNotContain("Cost by model", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkflowHealth_SortsByAColumnWhenItsHeaderIsClicked_AndSaysSo()
    {
        RunsClient.FakeInsights.Summary = range => Summary(range, 9, 1, 0, 1m);
        RunsClient.FakeInsights.Workflows =
        [
            new WorkflowHealth { WorkflowId = "wf-flaky", Runs = 3, Failed = 1, P95DurationMs = 2_000, CostUsd = 0.5m },
            new WorkflowHealth { WorkflowId = "wf-slow", Runs = 3, P95DurationMs = 90_000 },
            new WorkflowHealth { WorkflowId = "wf-pricey", Runs = 3, P95DurationMs = 500, CostUsd = 4m },
        ];

        var cut = Render<Overview>();

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[aria-label='Workflow health'] tbody tr").Count));
        string[] Order() => cut.FindAll("[aria-label='Workflow health'] tbody tr").Select(r => r.Children[0].TextContent.Trim()).ToArray();
        AngleSharp.Dom.IElement Header(string label) =>
            cut.FindAll("[aria-label='Workflow health'] th").Single(th => th.TextContent.Trim().StartsWith(label, StringComparison.Ordinal));
        Assert.Equal(["wf-flaky", "wf-pricey", "wf-slow"], Order());   // the service's order: most failing first, then the busiest, then by id

        Header("p95").QuerySelector("button")!.Click();
        cut.WaitForAssertion(() => Assert.Equal(["wf-slow", "wf-flaky", "wf-pricey"], Order()));
        Assert.Equal("descending", Header("p95").GetAttribute("aria-sort"));

        Header("Cost").QuerySelector("button")!.Click();
        cut.WaitForAssertion(() => Assert.Equal(["wf-pricey", "wf-flaky", "wf-slow"], Order()));   // no cost reported: last
        // The service is asked for that order too, though it gave every workflow: a reload that finds more than it gives
        // must cut them in the order shown.
        cut.WaitForAssertion(() => Assert.Equal(("cost", (bool?)true), RunsClient.FakeInsights.LastWorkflowsOrder));
        Assert.Equal(("descending", "none"), (Header("Cost").GetAttribute("aria-sort"), Header("p95").GetAttribute("aria-sort")));

        // A reload (live, or Refresh) keeps the reader's order, with the new figures.
        RunsClient.FakeInsights.Workflows = [.. RunsClient.FakeInsights.Workflows.Select(w => w.WorkflowId == "wf-slow" ? w with { CostUsd = 9m } : w)];
        var calls = RunsClient.FakeInsights.Calls.Count;
        cut.FindAll("button").Single(b => b.TextContent.Contains("Refresh", StringComparison.Ordinal)).Click();
        cut.WaitForAssertion(() => Assert.Equal(["wf-slow", "wf-pricey", "wf-flaky"], Order()));
        Assert.True(RunsClient.FakeInsights.Calls.Count > calls);
        Assert.Equal("descending", Header("Cost").GetAttribute("aria-sort"));
    }

    [Fact]
    public void ServiceDown_SaysSoAndRetryLoadsAgain()
    {
        RunsClient.FakeInsights.Failure = new ApiConnectionException("refused");

        var cut = Render<Overview>();

        cut.WaitForAssertion(() => Assert.Contains("cannot be reached", cut.Markup, StringComparison.Ordinal));
        RunsClient.FakeInsights.Failure = null;
        RunsClient.FakeInsights.Summary = range => Summary(range, 2, 0, 0, 0m);
        cut.FindAll("button").Single(b => b.TextContent.Contains("Retry", StringComparison.Ordinal)).Click();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll(".figure")));
    }
}
