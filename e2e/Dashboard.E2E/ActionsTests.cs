using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Dashboard.E2E;

/// <summary>
/// Acting on runs with the sample workload as the engine: it follows its workflows' control streams and reports what it
/// did, with the request's id; the pages show each request's state and the run's new state live.
/// </summary>
public sealed class ActionsTests(SampleWorkloadFixture fixture) : IClassFixture<SampleWorkloadFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string Now(int seconds = 0) => DateTimeOffset.UtcNow.AddSeconds(seconds).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");

    /// <summary>A run of a sample workflow reported by the test, as another engine instance of it would.</summary>
    private async Task<string> ReportAsync(string workflow, string events, string? experiment = null)
    {
        var runId = $"{workflow}-e2e-{Guid.NewGuid():N}"[..40];
        var started = $$"""{"type":"run_started","timestamp":"{{Now(-5)}}","workflowId":"{{workflow}}","workflowName":"{{workflow}}"{{(experiment is null ? "" : $",\"experimentId\":\"{experiment}\"")}}}""";
        using var http = new HttpClient { BaseAddress = fixture.App.BaseAddress };
        using var response = await http.PostAsync($"api/runs/{runId}/events", new StringContent($"[{started},{events}]", Encoding.UTF8, "application/json"), Token);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Token));
        return runId;
    }

    private static ILocator Requests(IPage page) => page.GetByRole(AriaRole.List, new() { Name = "Requests to the engine" });

    [Fact]
    public async Task AWaitingRun_IsApprovedWithInput_AndCompletesLive()
    {
        var runId = await ReportAsync("contract-review",
            $$$"""{"type":"step_started","timestamp":"{{{Now(-4)}}}","stepId":"legal-approval","input":{"assignee":"legal@example.com"}},{"type":"run_waiting","timestamp":"{{{Now(-3)}}}","reason":"Waiting for legal","stepId":"legal-approval"}""");
        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync($"/runs/{runId}");
        await page.WaitForInteractiveAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Resume…" }).ClickAsync();
        var confirm = page.GetByRole(AriaRole.Group, new() { NameRegex = new Regex("^Confirm: Resume") });
        var input = confirm.GetByRole(AriaRole.Textbox, new() { Name = "Input for the waiting step (JSON)" });
        // Seeded with what the step was given.
        await Assertions.Expect(input).ToHaveValueAsync(new Regex("legal@example.com"));
        await input.FillAsync("""{"approvedBy":"e2e@example.com","comment":"fine"}""");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(Requests(page).Locator("li").First).ToContainTextAsync("done: the engine resumed the run", new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator(".run-header")).ToContainTextAsync("completed", new() { Timeout = 20_000 });
        await page.ScreenshotAsync("run-resumed");
        await page.TimelineRow("legal-approval").ClickAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Output", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Output JSON" })).ToContainTextAsync("e2e@example.com");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ARunningRun_IsCancelled()
    {
        var runId = await ReportAsync("quarterly-report", $$"""{"type":"step_started","timestamp":"{{Now(-4)}}","stepId":"render-pdf"}""");
        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync($"/runs/{runId}");
        await page.WaitForInteractiveAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" }).ClickAsync();
        var confirm = page.GetByRole(AriaRole.Group, new() { Name = "Confirm: Cancel run" });
        await confirm.GetByRole(AriaRole.Textbox, new() { Name = "Reason (optional)" }).FillAsync("wrong quarter <b>selected</b>");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();

        await Assertions.Expect(Requests(page).Locator("li").First).ToContainTextAsync("done: the engine cancelled the run", new() { Timeout = 20_000 });
        await Assertions.Expect(Requests(page).Locator("li").First).ToContainTextAsync("“wrong quarter <b>selected</b>”");
        await Assertions.Expect(page.Locator(".run-header")).ToContainTextAsync("cancelled", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByText("Cancelled by a dashboard user: wrong quarter <b>selected</b>")).ToBeVisibleAsync();
        Assert.Empty(errors);
    }

    [Fact]
    public async Task AFailedRun_IsRerun_AndTheNewRunLinksBackToIt()
    {
        var failed = await fixture.RunOfAsync("refund-request", "failed");
        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync($"/runs/{failed}");
        await page.WaitForInteractiveAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Rerun", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Group, new() { Name = "Confirm: Rerun" }).GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();

        var rerun = Requests(page).GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^rerun as refund-request-rerun-") });
        await Assertions.Expect(rerun).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await rerun.ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/runs/refund-request-rerun-"));
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Actions on this run" })).ToContainTextAsync($"Rerun of {failed}");
        await Assertions.Expect(page.Locator(".run-header")).ToContainTextAsync("completed", new() { Timeout = 20_000 });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ThreeRunsPickedOnTheList_AreCancelledInOneGo()
    {
        var experiment = "bulk-" + Guid.NewGuid().ToString("N")[..8];
        var runs = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            runs.Add(await ReportAsync("nightly-sync", $$"""{"type":"step_started","timestamp":"{{Now(-4)}}","stepId":"copy"}""", experiment));
        }
        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync($"/runs?experiment={experiment}");
        await page.WaitForInteractiveAsync();
        var rows = page.GetByRole(AriaRole.Region, new() { Name = "Executions list" }).Locator("tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(3);

        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Select the runs on this page" }).CheckAsync();
        var bar = page.GetByRole(AriaRole.Group, new() { Name = "Selected runs" });
        await Assertions.Expect(bar).ToContainTextAsync("3 selected");
        await bar.GetByRole(AriaRole.Button, new() { Name = "Cancel selected" }).ClickAsync();
        await bar.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();

        await Assertions.Expect(bar.GetByRole(AriaRole.Status)).ToHaveTextAsync("3 of 3 requested", new() { Timeout = 20_000 });
        await Assertions.Expect(rows.Filter(new() { HasText = "cancelled" })).ToHaveCountAsync(3, new() { Timeout = 20_000 });
        await page.ScreenshotAsync("bulk-cancel");
        Assert.Empty(errors);
    }
}
