using Dashboard.Components.Controls;
using Dashboard.Components.Pages;
using Dashboard.Model.Runs;
using Dashboard.Model.Search;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

/// <summary>The list's search in payloads and logs: hits with their place, the match marked, each opening that place.</summary>
public sealed class PayloadSearchTests : DashboardTestContext
{
    private static SearchHit Hit(string runId, string field, string snippet, params TextMatch[] matches) => new()
    {
        RunId = runId,
        WorkflowId = "wf-invoices",
        WorkflowName = "Invoice approval",
        RunStatus = "failed",
        StartedAt = DateTimeOffset.UtcNow.AddMinutes(-5),
        StepId = field is SearchFields.RunInput ? null : "charge-card",
        Attempt = field is SearchFields.RunInput ? null : 2,
        LoopIndex = null,
        Field = field,
        Snippet = snippet,
        Matches = matches,
    };

    [Fact]
    public void Hits_ShowWhereTheyAre_WithTheMatchMarked_AndOpenThatPlace()
    {
        RunsClient.SearchAnswer = new SearchPage([
            Hit("run-1", SearchFields.Output, "{\"invoice\":\"INV-4471\",\"total\":12}", new TextMatch(12, 8)),
            Hit("run-2", SearchFields.RunInput, "{\"ref\":\"INV-4471\"}", new TextMatch(8, 8)),
        ], null);

        var cut = Render<PayloadSearch>(p => p.Add(c => c.Text, "INV-4471"));

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("li.hit").Count));
        var first = cut.FindAll("li.hit")[0];
        Assert.Contains("step charge-card · attempt 2 · output", first.TextContent, StringComparison.Ordinal);
        Assert.Contains("failed", first.TextContent, StringComparison.Ordinal);
        Assert.Equal("INV-4471", first.QuerySelector("mark")!.TextContent);
        Assert.Equal("/runs/run-1?step=charge-card&attempt=2&tab=output&find=INV-4471", first.QuerySelector("a")!.GetAttribute("href"));
        Assert.Equal("/runs/run-2?tab=run-input&find=INV-4471", cut.FindAll("li.hit")[1].QuerySelector("a")!.GetAttribute("href"));
        Assert.Equal(["INV-4471"], RunsClient.Searches);
    }

    [Fact]
    public void AHostileSnippet_RendersAsText()
    {
        RunsClient.SearchAnswer = new SearchPage([Hit("run-1", SearchFields.Input, "<script>alert('x')</script><img src=x onerror=alert(1)>", new TextMatch(8, 5))], null);

        var cut = Render<PayloadSearch>(p => p.Add(c => c.Text, "alert"));

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("li.hit")));
        Assert.Empty(cut.FindAll("li.hit script"));
        Assert.Empty(cut.FindAll("li.hit img"));
        Assert.Contains("<script>alert('x')</script>", cut.Find("pre.hit-snippet").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAnswerFromAnIndexThatIsBehind_SaysSo_AndSearchAgainReadsTheSearchAgain()
    {
        RunsClient.SearchAnswer = new SearchPage([], null) { IndexBehind = true };

        var cut = Render<PayloadSearch>(p => p.Add(c => c.Text, "INV-4471"));

        cut.WaitForAssertion(() => Assert.Contains("still catching up with the newest runs", cut.Find(".index-behind").TextContent, StringComparison.Ordinal));
        Assert.Contains("Nothing found in payloads or logs", cut.Markup, StringComparison.Ordinal);

        // A moment later the index has caught up.
        RunsClient.SearchAnswer = new SearchPage([Hit("run-1", SearchFields.Output, "{\"invoice\":\"INV-4471\"}", new TextMatch(12, 8))], null);
        cut.FindAll(".index-behind button").Single(b => b.TextContent.Contains("Search again", StringComparison.Ordinal)).Click();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("li.hit")));
        Assert.Empty(cut.FindAll(".index-behind"));
        Assert.Equal(["INV-4471", "INV-4471"], RunsClient.Searches);
    }

    [Fact]
    public void NothingFound_SaysSo()
    {
        var cut = Render<PayloadSearch>(p => p.Add(c => c.Text, "nowhere"));

        cut.WaitForAssertion(() => Assert.Contains("Nothing found in payloads or logs", cut.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public void TheList_InPayloadsAndLogs_ShowsHitsInsteadOfRuns()
    {
        RunsClient.Returns(new RunsPage { Items = [new RunRecord { Id = "run-listed", WorkflowId = "wf", Status = RunStatus.Completed, StartedAt = DateTimeOffset.UtcNow }] });
        RunsClient.SearchAnswer = new SearchPage([Hit("run-found", SearchFields.Output, "{\"v\":\"needle\"}", new TextMatch(6, 6))], null);
        Services.GetRequiredService<NavigationManager>().NavigateTo("/runs?q=needle&in=payloads");

        var cut = Render<Executions>();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("li.hit")));
        Assert.Empty(cut.FindAll("table"));
        Assert.Equal(["needle"], RunsClient.Searches);
        var toggle = cut.FindAll(".mud-chip").Single(c => c.GetAttribute("aria-label") == "in payloads and logs");
        Assert.Equal("true", toggle.GetAttribute("aria-pressed"));

        // Off again: the runs are listed.
        toggle.Click();
        cut.WaitForAssertion(() => Assert.Contains("run-listed", cut.Find("table").TextContent, StringComparison.Ordinal));
    }
}
