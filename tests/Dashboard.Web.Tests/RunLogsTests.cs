using Bunit;
using Dashboard.Components.Controls;
using Dashboard.Model.Events;

namespace Dashboard.Web.Tests;

/// <summary>The run page's logs panel over a real runs service: closed until asked for, then filtered, paged, inert.</summary>
public sealed class RunLogsTests : RealServiceTestContext
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private async Task<string> RunWithLogsAsync(int count)
    {
        var runId = $"logs-{Guid.NewGuid():N}";
        var events = new List<RunEvent> { new RunStarted { Timestamp = T0, WorkflowId = "wf-logs" } };
        events.AddRange(Enumerable.Range(0, count).Select(i => new LogEvent
        {
            Timestamp = T0.AddMilliseconds(i + 1),
            Level = i % 10 == 9 ? "error" : "info",
            Message = i == 0 ? "<script>alert('x')</script> started" : $"line {i}",
            StepId = i % 2 == 0 ? "fetch" : null,
        }));
        await Real.ReportAsync(runId, events, cancellationToken: Token);
        return runId;
    }

    [Fact]
    public async Task Closed_UntilOpened_ThenShowsTheLinesAsText_AndLoadsMore()
    {
        var runId = await RunWithLogsAsync(250);
        var panel = Render<RunLogs>(p => p.Add(c => c.RunId, runId));
        Assert.Empty(panel.FindAll(".log-line"));

        panel.Find("button[aria-controls='run-logs-body']").Click();

        panel.WaitForAssertion(() => Assert.Contains("Load 200 more", panel.Markup, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        var first = panel.Find(".log-line");
        Assert.Equal("<script>alert('x')</script> started", first.QuerySelector(".log-message")!.TextContent);
        Assert.Empty(panel.FindAll(".log-line script"));
        Assert.Equal("fetch", first.QuerySelector(".log-where")!.TextContent);

        panel.FindAll("button").Single(b => b.TextContent.Contains("Load 200 more", StringComparison.Ordinal)).Click();
        panel.WaitForAssertion(() => Assert.DoesNotContain("Load 200 more", panel.Markup, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task TheTextFilter_ShowsOnlyMatchingLines()
    {
        var runId = await RunWithLogsAsync(30);
        var panel = Render<RunLogs>(p => p.Add(c => c.RunId, runId));
        panel.Find("button[aria-controls='run-logs-body']").Click();
        panel.WaitForAssertion(() => Assert.NotEmpty(panel.FindAll(".log-line")), TimeSpan.FromSeconds(10));

        panel.Find(".logs-search input").Input("line 2");

        panel.WaitForAssertion(() =>
            Assert.Equal(["line 2", "line 20", "line 21", "line 22", "line 23", "line 24", "line 25", "line 26", "line 27", "line 28", "line 29"],
                panel.FindAll(".log-message").Select(m => m.TextContent)), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task InAStepsTab_ShowsThatStepsLines_AtOnce()
    {
        var runId = await RunWithLogsAsync(10);
        var panel = Render<RunLogs>(p => p.Add(c => c.RunId, runId).Add(c => c.StepId, "fetch").Add(c => c.AlwaysOpen, true));

        panel.WaitForAssertion(() => Assert.Equal(5, panel.FindAll(".log-line").Count), TimeSpan.FromSeconds(10));
        Assert.All(panel.FindAll(".log-where"), where => Assert.Equal("fetch", where.TextContent));
        Assert.Empty(panel.FindAll("button[aria-controls]"));
    }

    [Fact]
    public async Task AnOpenPanel_FollowsTheRun_WhenItHasNews()
    {
        var runId = await RunWithLogsAsync(3);
        var panel = Render<RunLogs>(p => p.Add(c => c.RunId, runId).Add(c => c.Version, "1"));
        panel.Find("button[aria-controls='run-logs-body']").Click();
        panel.WaitForAssertion(() => Assert.Equal(3, panel.FindAll(".log-line").Count), TimeSpan.FromSeconds(10));

        await Real.ReportAsync(runId, [new LogEvent { Timestamp = T0.AddSeconds(5), Level = "warn", Message = "late line" }], cancellationToken: Token);
        panel.Render(p => p.Add(c => c.Version, "2"));

        panel.WaitForAssertion(() => Assert.Equal("late line", panel.FindAll(".log-message")[^1].TextContent), TimeSpan.FromSeconds(10));
        Assert.Equal(4, panel.FindAll(".log-line").Count);
    }
}
