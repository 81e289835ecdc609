using Dashboard.Components.Layout;
using Dashboard.Services;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Tests;

public sealed class MainLayoutTests() : DashboardTestContext(withPopoverProvider: false)
{
    [Fact]
    public void MainLayout_RendersTitleNavigationAndBody()
    {
        var cut = Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddMarkupContent(0, "<p id=\"body\">page body</p>"))));

        Assert.Contains("Runs dashboard", cut.Markup, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("#body"));
        var link = cut.Find("nav a[href='/runs']");
        Assert.Contains("Executions", link.TextContent, StringComparison.Ordinal);
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find(".app-root").GetAttribute("data-interactive")));
    }

    [Fact]
    public void DarkModeToggle_SwitchesAndStoresTheChoice()
    {
        var module = JSInterop.SetupModule("./js/interop.js");
        module.Setup<BrowserStartup?>("startupPreferences", _ => true).SetResult(Saved("light"));
        var store = module.SetupVoid("setPreference", "dashboard.theme", "dark");

        var cut = Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(_ => { })));
        cut.Find("button[aria-label='Switch to dark mode']").Click();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("button[aria-label='Switch to light mode']")));
        Assert.Single(store.Invocations);
    }

    [Fact]
    public void SavedDarkPreference_IsAppliedOnFirstRender()
    {
        var module = JSInterop.SetupModule("./js/interop.js");
        module.Setup<BrowserStartup?>("startupPreferences", _ => true).SetResult(Saved("dark"));

        var cut = Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(_ => { })));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("button[aria-label='Switch to light mode']")));
    }

    private static BrowserStartup Saved(string theme) => new(new Dictionary<string, string?> { ["dashboard.theme"] = theme }, SystemDark: false, TimeZone: "UTC");
}
