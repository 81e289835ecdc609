using System.Text;
using Microsoft.Playwright;

namespace Dashboard.E2E;

/// <summary>Two dashboards and two services on one PostgreSQL database, behind a proxy with sticky sessions.</summary>
public sealed class ScaleOutTests(ScaleOutFixture fixture) : IClassFixture<ScaleOutFixture>
{
    private static int _clock;

    private static string Event(string type, string fields = "") =>
        $$"""{"type":"{{type}}","timestamp":"{{new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero).AddSeconds(Interlocked.Increment(ref _clock)):yyyy-MM-dd'T'HH:mm:ss'Z'}}"{{(fields.Length == 0 ? "" : "," + fields)}}}""";

    /// <summary>The engine reports through service A only.</summary>
    private async Task ReportAsync(string runId, params string[] events)
    {
        using var http = new HttpClient { BaseAddress = fixture.ServiceA.BaseAddress };
        using var response = await http.PostAsync($"api/runs/{runId}/events", new StringContent("[" + string.Join(",", events) + "]", Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task APageStaysLiveThroughTheProxy_WhenTheDashboardServingItStops()
    {
        var runId = $"scale-{Guid.NewGuid():N}";
        await ReportAsync(runId, Event("run_started", "\"workflowId\":\"wf-scale\",\"workflowName\":\"Scale-out\""), Event("step_started", "\"stepId\":\"fetch\",\"stepName\":\"Fetch\""));
        var (context, page, _) = await fixture.NewPageAsync();
        await using var __ = context;

        // Signed in on dashboard a (the proxy's first choice), which reads from service a.
        await page.GotoAsync($"/runs/{Uri.EscapeDataString(runId)}");
        await page.GetByLabel("API key").FillAsync(ScaleOutFixture.Key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync($"**/runs/{runId}");
        await page.WaitForInteractiveAsync();
        Assert.Equal("a", fixture.PageLoads.Last().Instance);
        await Assertions.Expect(page.GetByRole(AriaRole.Status, new() { Name = "Live updates: live" })).ToBeVisibleAsync();
        await ReportAsync(runId, Event("step_completed", "\"stepId\":\"fetch\""), Event("step_started", "\"stepId\":\"charge\",\"stepName\":\"Charge\""));
        await Assertions.Expect(page.TimelineRow("Charge")).ToBeVisibleAsync();

        // Dashboard a goes away mid-run. The page's circuit is lost with it; the browser reconnects through the proxy,
        // which sends it to b (a fails its health checks); b does not know the circuit, so the page loads again there,
        // still signed in (the session's keys are in the shared database).
        var loadsBefore = fixture.PageLoads.Count;
        await fixture.DashboardA.KillAsync();
        await WaitUntilAsync(() => fixture.PageLoads.Skip(loadsBefore).Any(load => load.Instance == "b" && load.Path.EndsWith(runId, StringComparison.Ordinal)),
            "the run page to load again from dashboard b");
        await page.WaitForInteractiveAsync();
        Assert.DoesNotContain("/signin", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.GetByRole(AriaRole.Status, new() { Name = "Live updates: live" })).ToBeVisibleAsync();
        await Assertions.Expect(page.TimelineRow("Charge")).ToBeVisibleAsync();

        // Reported through service a, shown live by dashboard b, which follows service b.
        await ReportAsync(runId, Event("step_completed", "\"stepId\":\"charge\""), Event("step_started", "\"stepId\":\"notify\",\"stepName\":\"Notify\""));
        await Assertions.Expect(page.TimelineRow("Notify")).ToBeVisibleAsync();
        await ReportAsync(runId, Event("step_completed", "\"stepId\":\"notify\""), Event("run_completed"));
        await Assertions.Expect(page.Locator(".run-header").GetByText("completed", new() { Exact = true })).ToBeVisibleAsync();

        // Every step once: nothing lost in the move, nothing shown twice.
        foreach (var step in new[] { "Fetch", "Charge", "Notify" })
        {
            await Assertions.Expect(page.TimelineRow(step)).ToHaveCountAsync(1);
        }
        await page.ScreenshotAsync("scale-out-after-failover");
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!condition())
        {
            Assert.False(timeout.IsCancellationRequested, $"Timed out waiting for {what}.");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
