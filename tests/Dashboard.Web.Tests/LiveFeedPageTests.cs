using Bunit;
using Dashboard.Components.Pages;
using Dashboard.Model.Runs;

namespace Dashboard.Web.Tests;

public sealed class LiveFeedPageTests : DashboardTestContext
{
    private static RunChange Change(string runId, int feedOffset) => new()
    {
        RunId = runId,
        WorkflowId = "wf",
        Status = RunStatus.Running,
        Event = "step_started",
        At = DateTimeOffset.UtcNow,
        FeedOffset = $"0000000000000000_{feedOffset:D16}",
    };

    [Fact]
    public async Task OpensWithRecentChanges_AddsLiveOnes_AndReadsBackWhatAGapDropped()
    {
        RunsClient.Recent.Add(Change("run-recent", 1));
        var cut = Render<LiveFeed>();
        cut.WaitForAssertion(() => Assert.Contains("run-recent", cut.Markup, StringComparison.Ordinal));

        await Subscriptions.PushFeedAsync(Change("run-live", 2));
        cut.WaitForAssertion(() => Assert.Contains("run-live", cut.Markup, StringComparison.Ordinal));

        // Changes the relay dropped (this page fell behind) are in the feed's last entries: a gap reads them back.
        RunsClient.Recent.Add(Change("run-missed", 3));
        await Subscriptions.GapAsync();
        cut.WaitForAssertion(() => Assert.Contains("run-missed", cut.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public void AChangeOfALoopIteration_LinksToThatIteration()
    {
        RunsClient.Recent.Add(Change("run-loop", 1) with { StepId = "item", LoopIndex = 4 });

        var cut = Render<LiveFeed>();

        cut.WaitForAssertion(() => Assert.Equal("runs/run-loop?step=item&loop=4", cut.Find("a[title='run-loop']").GetAttribute("href")?.TrimStart('/')));
    }

    [Fact]
    public void AFailedStepsRow_ShowsItsError_AsText()
    {
        RunsClient.Recent.Add(Change("run-retry", 1) with { Event = "step_failed", StepId = "charge", StepError = "<b>card</b> declined", WillRetry = true });

        var cut = Render<LiveFeed>();

        cut.WaitForAssertion(() => Assert.Equal("<b>card</b> declined (will retry)", cut.Find("td.error .two-lines").TextContent));
        Assert.Empty(cut.FindAll("td.error b"));
    }

    [Fact]
    public void ABatchsEarlierChanges_AreRowsOfTheirOwn_LinkingToTheirSteps()
    {
        RunsClient.Recent.Add(Change("run-batch", 1) with
        {
            StepId = "parse",
            Earlier = [new FeedEvent { Event = "step_failed", At = DateTimeOffset.UtcNow, StepId = "<i>fetch</i>", LoopIndex = 1, StepError = "timed out", WillRetry = true }],
            EarlierLeftOut = 3,
        });

        var cut = Render<LiveFeed>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count));
        var rows = cut.FindAll("tbody tr");
        Assert.Contains("step_started", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("earlier", rows[1].ClassName, StringComparison.Ordinal);
        // The run's status is the batch's, on its own row only.
        Assert.Equal(1, rows[0].QuerySelectorAll("td.c-status .mud-chip").Length);
        Assert.Empty(rows[1].QuerySelectorAll("td.c-status *"));
        Assert.Equal("<i>fetch</i>", rows[1].QuerySelectorAll("td")[2].TextContent);
        Assert.Empty(cut.FindAll("tbody i"));
        Assert.Equal("timed out (will retry)", rows[1].QuerySelector("td.error .two-lines")!.TextContent);
        Assert.Equal("3 earlier in the batch", rows[1].QuerySelector(".left-out")!.TextContent);
        Assert.Equal("runs/run-batch?step=%3Ci%3Efetch%3C%2Fi%3E&loop=1", rows[1].QuerySelector("a")!.GetAttribute("href")?.TrimStart('/'));
    }
}
