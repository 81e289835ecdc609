using Bunit;
using Dashboard.Components.Pages;
using Dashboard.Model.Events;
using Dashboard.Model.Runs;

namespace Dashboard.Web.Tests;

/// <summary>The compare page over a real runs service.</summary>
public sealed class ComparePageTests : RealServiceTestContext
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private async Task<string> RunAsync(string name, bool fails, string workflowId = "wf-compare", decimal? chargeCost = null)
    {
        var runId = $"{name}-{Guid.NewGuid():N}";
        List<RunEvent> events =
        [
            new RunStarted { Timestamp = T0, WorkflowId = workflowId },
            new StepStarted { Timestamp = T0.AddSeconds(1), StepId = "fetch" },
            new StepCompleted { Timestamp = T0.AddSeconds(2), StepId = "fetch" },
            new StepStarted { Timestamp = T0.AddSeconds(3), StepId = "charge" },
            fails
                ? new StepFailed { Timestamp = T0.AddSeconds(4), StepId = "charge", WillRetry = false, Error = new ErrorInfo { Message = "<b>card</b> declined" } }
                : new StepCompleted { Timestamp = T0.AddSeconds(5), StepId = "charge", CostUsd = chargeCost },
        ];
        await Real.ReportAsync(runId, events, cancellationToken: Token);
        return runId;
    }

    [Fact]
    public async Task MarksTheFirstDivergence_AndShowsTheErrorAsText()
    {
        var good = await RunAsync("good", fails: false);
        var bad = await RunAsync("bad", fails: true);

        var page = Render<ComparePage>(p => p.Add(c => c.RunId, good).Add(c => c.OtherRunId, bad));

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll(".compare-table tbody tr").Count), TimeSpan.FromSeconds(10));
        var first = page.Find("tr[aria-current='true']");
        Assert.Contains("charge", first.TextContent, StringComparison.Ordinal);
        Assert.Contains("<b>card</b> declined", first.TextContent, StringComparison.Ordinal);
        Assert.Empty(first.QuerySelectorAll("b"));
        Assert.Contains("first diverge at step 2 of 2", page.Find("[data-testid='compare-summary']").TextContent, StringComparison.Ordinal);
        // Neither run has a cost: no "$0.00" difference, and their headers name no cost (only the duration, unknown here: neither ended).
        Assert.DoesNotContain("$", page.Find("[data-testid='compare-summary']").TextContent, StringComparison.Ordinal);
        Assert.All(page.FindAll(".compare-side .mud-typography-body2"), side => Assert.StartsWith("— · started ", side.TextContent, StringComparison.Ordinal));
        Assert.Equal($"/runs/{bad}?step=charge", page.FindAll("tr[aria-current='true'] a")[1].GetAttribute("href"));
        // The error under its side's status, whole in its title (the cell shows three lines of it); no Δ cost column, no step has a cost.
        Assert.Equal("<b>card</b> declined", first.QuerySelector(".side-error")!.GetAttribute("title"));
        Assert.StartsWith("failed · ", first.QuerySelectorAll(".side-status")[1].TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain(page.FindAll(".compare-table th"), th => th.TextContent.Contains("cost", StringComparison.Ordinal));
        Assert.All(page.FindAll(".compare-table tbody tr"), row => Assert.Equal(6, row.QuerySelectorAll("td").Length));
    }

    [Fact]
    public async Task AStepWhoseCostDiffers_HasItsDifferenceInAColumnOfItsOwn()
    {
        var cheap = await RunAsync("cheap", fails: false, chargeCost: 0.0125m);
        var dear = await RunAsync("dear", fails: false, chargeCost: 0.04m);

        var page = Render<ComparePage>(p => p.Add(c => c.RunId, cheap).Add(c => c.OtherRunId, dear));

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll(".compare-table tbody tr").Count), TimeSpan.FromSeconds(10));
        Assert.Contains(page.FindAll(".compare-table th"), th => th.TextContent == "Δ cost");
        var charge = page.FindAll(".compare-table tbody tr").Single(r => r.TextContent.Contains("charge", StringComparison.Ordinal));
        Assert.Equal(7, charge.QuerySelectorAll("td").Length);
        Assert.Equal("+$0.0275", charge.QuerySelectorAll("td")[5].TextContent);
    }

    [Fact]
    public async Task RunsOfDifferentWorkflows_SaySo_AndRunsOfOneDoNot()
    {
        var good = await RunAsync("good", fails: false);
        var bad = await RunAsync("bad", fails: true);
        var other = await RunAsync("other", fails: true, workflowId: "wf-<i>other</i>");

        var same = Render<ComparePage>(p => p.Add(c => c.RunId, good).Add(c => c.OtherRunId, bad));
        same.WaitForAssertion(() => Assert.Equal(2, same.FindAll(".compare-table tbody tr").Count), TimeSpan.FromSeconds(10));
        Assert.Empty(same.FindAll("[data-testid='compare-workflows']"));

        var different = Render<ComparePage>(p => p.Add(c => c.RunId, good).Add(c => c.OtherRunId, other));
        different.WaitForAssertion(() => Assert.Equal(2, different.FindAll(".compare-table tbody tr").Count), TimeSpan.FromSeconds(10));
        var note = different.Find("[data-testid='compare-workflows']");
        Assert.Contains("different workflows (wf-compare and wf-<i>other</i>)", note.TextContent, StringComparison.Ordinal);
        Assert.Empty(note.QuerySelectorAll("i"));
    }

    [Fact]
    public async Task ARowsDiff_ShowsBothRunsAttemptsLineByLine_OnTheFieldThatDiffers()
    {
        var good = await RunAsync("good", fails: false);
        var bad = await RunAsync("bad", fails: true);
        var page = Render<ComparePage>(p => p.Add(c => c.RunId, good).Add(c => c.OtherRunId, bad));
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll(".compare-table tbody tr").Count), TimeSpan.FromSeconds(10));

        page.Find("button[aria-label='Diff the payloads of charge']").Click();

        page.WaitForAssertion(() => Assert.Single(page.FindAll(".payload-diff .compare")), TimeSpan.FromSeconds(10));
        var diff = page.Find(".payload-diff .compare");
        Assert.StartsWith("error: left run (attempt 1) → right run (attempt 1)", diff.QuerySelector(".mud-typography")!.TextContent.Trim(), StringComparison.Ordinal);
        Assert.Contains(page.FindAll(".payload-diff .diff-added"), line => line.TextContent.Contains("<b>card</b> declined", StringComparison.Ordinal));
        Assert.Empty(page.FindAll(".payload-diff pre b"));
        // Its name starts with what it shows (WCAG's label in name): "Diff", then "Hide" once open.
        Assert.Equal("true", page.Find("button[aria-label='Hide the payloads of charge']").GetAttribute("aria-expanded"));

        page.FindAll(".diff-fields button").Single(b => b.TextContent.Trim() == "output").Click();
        page.WaitForAssertion(() => Assert.StartsWith("output:", page.Find(".payload-diff .compare .mud-typography").TextContent.Trim(), StringComparison.Ordinal));
    }

    [Fact]
    public void AnUnknownRun_SaysSo()
    {
        var page = Render<ComparePage>(p => p.Add(c => c.RunId, "nope-1").Add(c => c.OtherRunId, "nope-2"));

        page.WaitForAssertion(() => Assert.Contains("does not exist", page.Find("[role='alert']").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
    }
}
