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
}
