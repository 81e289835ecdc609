using System.Net;
using Microsoft.Playwright;

namespace Dashboard.E2E;

public sealed class HomePageTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task HomePage_LoadsBecomesInteractiveWithoutConsoleErrors()
    {
        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;

        var response = await page.GotoAsync("/");
        await page.WaitForInteractiveAsync();

        Assert.Equal(200, response!.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Executions" })).ToBeVisibleAsync();
        // An empty dashboard says so rather than showing zeros.
        await Assertions.Expect(page.GetByText("No runs in this period")).ToBeVisibleAsync();
        Assert.Equal("Overview · Runs dashboard", await page.TitleAsync());
        var screenshot = await page.ScreenshotAsync("home");
        Assert.True(new FileInfo(screenshot).Length > 0);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task DarkMode_ToggleIsRememberedAcrossReloads()
    {
        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync("/");
        await page.WaitForInteractiveAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark mode" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch to light mode" })).ToBeVisibleAsync();

        await page.ReloadAsync();
        await page.WaitForInteractiveAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch to light mode" })).ToBeVisibleAsync();
        await page.ScreenshotAsync("home-dark");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task UnknownAddress_ShowsTheNotFoundPage()
    {
        var (context, page, _) = await fixture.NewPageAsync();
        await using var __ = context;

        var response = await page.GotoAsync("/no/such/page");

        Assert.Equal(404, response!.Status);
        await Assertions.Expect(page.GetByText("Page not found")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task HealthEndpoints_AnswerHealthy()
    {
        using var http = new HttpClient { BaseAddress = fixture.App.BaseAddress };

        var token = TestContext.Current.CancellationToken;
        var live = await http.GetAsync("health/live", token);
        var ready = await http.GetAsync("health/ready", token);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync(token));
    }
}
