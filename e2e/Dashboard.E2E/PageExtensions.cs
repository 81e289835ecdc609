using Dashboard.Testing;
using Microsoft.Playwright;

namespace Dashboard.E2E;

internal static class PageExtensions
{
    /// <summary>Waits until the Blazor circuit is up: before that, clicks go nowhere.</summary>
    public static Task WaitForInteractiveAsync(this IPage page) =>
        page.Locator(".app-root[data-interactive='true']").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });

    /// <summary>
    /// Clicks a link in a list that re-sorts live, as a person does: the pointer comes onto it, and the click follows once
    /// the list says it holds still (<c>data-holding</c>, HoldWhilePointing): from then on no reload moves its rows.
    /// </summary>
    public static async Task ClickInHeldListAsync(this ILocator link, float timeout = 20_000)
    {
        await link.HoverAsync(new LocatorHoverOptions { Timeout = timeout });
        await Assertions.Expect(link.Locator("xpath=ancestor::div[@data-holding='true']")).ToHaveCountAsync(1, new() { Timeout = timeout });
        await link.ClickAsync(new LocatorClickOptions { Timeout = timeout });
    }

    public static async Task<string> ScreenshotAsync(this IPage page, string name)
    {
        var path = Path.Combine(RepoPaths.Artifacts("e2e"), name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }
}
