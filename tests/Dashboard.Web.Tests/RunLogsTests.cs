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
            Extra = i == 0 ? new() { ["city"] = System.Text.Json.JsonSerializer.SerializeToElement("Zürich"), ["user"] = System.Text.Json.JsonSerializer.SerializeToElement("ad\u200Bmin") } : null,
        }));
        await Real.ReportAsync(runId, events, cancellationToken: Token);
        return runId;
    }

    [Fact]
    public async Task Closed_UntilOpened_ThenShowsTheLinesAsText_AndCountsThem()
    {
        var runId = await RunWithLogsAsync(250);
        var panel = Render<RunLogs>(p => p.Add(c => c.RunId, runId));
        Assert.Empty(panel.FindAll(".log-line"));

        panel.Find("button[aria-controls='run-logs-body']").Click();

        panel.WaitForAssertion(() => Assert.Equal("250 lines", panel.Find(".logs-count").TextContent), TimeSpan.FromSeconds(10));
        panel.WaitForAssertion(() => Assert.NotEmpty(panel.FindAll(".log-line")), TimeSpan.FromSeconds(10));
        var first = panel.Find(".log-line");
        Assert.Equal("<script>alert('x')</script> started", first.QuerySelector(".log-message")!.TextContent);
        Assert.Empty(panel.FindAll(".log-line script"));
        Assert.Equal("fetch", first.QuerySelector(".log-where")!.TextContent);

        // A line clicked opens whole below the list, as text. (Waited for: the list's own reads may have the renderer
        // busy when the click comes, and then the click is handled after Click returns.)
        first.Click();
        var detail = panel.WaitForElement(".log-detail", TimeSpan.FromSeconds(10));
        Assert.Equal("Log line 1", detail.GetAttribute("aria-label"));
        Assert.Equal("<script>alert('x')</script> started", detail.QuerySelector(".log-detail-text")!.TextContent);
        // Its fields as JSON, their text as written (not escaped to \u00FC), a hidden character as a marker.
        var fields = detail.QuerySelector(".log-detail-fields")!;
        Assert.Contains("\"city\": \"Zürich\"", fields.TextContent, StringComparison.Ordinal);
        Assert.Equal("U+200B", fields.QuerySelector(".hidden-char")!.TextContent);
        Assert.Empty(panel.FindAll(".log-detail script"));
        panel.Find("button[aria-label='Close the log line']").Click();
        panel.WaitForAssertion(() => Assert.Empty(panel.FindAll(".log-detail")), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task TheView_ReadsThePagesItIsAskedFor_ByOffset_AndHoldsOnlyAWindowOfThem()
    {
        var runId = await RunWithLogsAsync(6_000);
        var view = new Dashboard.Model.RunLogsView(runId);
        await view.SetFilterAsync(Real, null, null, Token);
        Assert.Equal(6_000, view.Total);

        // A jump into the middle reads the pages there, not the ones before.
        var middle = await view.LinesAsync(Real, 4_190, 20, Token);
        Assert.Equal(Enumerable.Range(4_190, 20).Select(i => $"line {i}"), middle.Select(l => l.Message));
        Assert.Equal(3 * Dashboard.Model.RunLogsView.PageSize, view.LinesHeld);

        // Scrolled through every line: only the pages nearest the last screen are held.
        for (var start = 0; start < 6_000; start += 100)
        {
            Assert.Equal(100, (await view.LinesAsync(Real, start, 100, Token)).Count);
        }
        Assert.Equal(Dashboard.Model.RunLogsView.MaxPages * Dashboard.Model.RunLogsView.PageSize, view.LinesHeld);
        Assert.Equal(["line 5998", "line 5999"], (await view.LinesAsync(Real, 5_998, 50, Token)).Select(l => l.Message));

        // Filtered: counted and paged over the matching lines only (every tenth is an error).
        await view.SetFilterAsync(Real, "error", null, Token);
        Assert.Equal(600, view.Total);
        Assert.Equal(["line 4009", "line 4019"], (await view.LinesAsync(Real, 400, 2, Token)).Select(l => l.Message));

        // More lines reported: a follow counts them.
        await Real.ReportAsync(runId, [new LogEvent { Timestamp = T0.AddHours(1), Level = "error", Message = "late" }], cancellationToken: Token);
        Assert.True(await view.FollowAsync(Real, Token));
        Assert.Equal(601, view.Total);
        Assert.Equal(["late"], (await view.LinesAsync(Real, 600, 10, Token)).Select(l => l.Message));

        // A line that came late for its time (an OTLP step's, stored when its span ended) is listed in its place, not
        // after pages held from before it came.
        Assert.Equal(["line 4009", "line 4019"], (await view.LinesAsync(Real, 400, 2, Token)).Select(l => l.Message));
        await Real.ReportAsync(runId, [new LogEvent { Timestamp = T0.AddMilliseconds(4_015), Level = "error", Message = "belated" }], cancellationToken: Token);
        Assert.True(await view.FollowAsync(Real, Token));
        Assert.Equal(["line 4009", "belated", "line 4019"], (await view.LinesAsync(Real, 400, 3, Token)).Select(l => l.Message));
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
