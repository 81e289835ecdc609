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

    /// <summary>
    /// The whole page, as it reads from its top. The app bar and the drawer are fixed to the window: in a page scrolled
    /// down (to a failing step, say) a full-page capture drew them across the middle of it. For the capture only, they
    /// are placed at the top of the document instead; nothing else moves. Transitions are run to their end (a tab's
    /// underline caught halfway between two tabs said neither was chosen).
    /// </summary>
    public static async Task<string> ScreenshotAsync(this IPage page, string name)
    {
        var path = Path.Combine(RepoPaths.Artifacts("e2e"), name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = path,
            FullPage = true,
            Style = FixedChromeAtTop,
            Animations = ScreenshotAnimations.Disabled,
        });
        return path;
    }

    // The layout is the bars' positioned ancestor: at least a window high, so the drawer reaches the bottom of a short
    // page as it does on screen, and as high as the page when the page is longer (a fixed drawer stopped a window down).
    private const string FixedChromeAtTop = """
        .mud-layout { min-height: 100vh; }
        .mud-appbar, .mud-drawer { position: absolute !important; }
        .mud-drawer { height: auto !important; bottom: 0 !important; }
        """;
}
