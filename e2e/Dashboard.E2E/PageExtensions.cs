using Dashboard.Testing;
using Microsoft.Playwright;

namespace Dashboard.E2E;

internal static class PageExtensions
{
    /// <summary>Waits until the Blazor circuit is up: before that, clicks go nowhere.</summary>
    public static Task WaitForInteractiveAsync(this IPage page) =>
        page.Locator(".app-root[data-interactive='true']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });

    public static async Task<string> ScreenshotAsync(this IPage page, string name)
    {
        var path = Path.Combine(RepoPaths.Artifacts("e2e"), name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }
}
