using Dashboard.Testing;
using Microsoft.Playwright;

namespace Dashboard.E2E;

/// <summary>
/// One dashboard process and one Chromium per test class. Debian's Chromium, never a downloaded one: this machine and CI
/// have no way to download browsers.
/// </summary>
public class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public AppProcess App { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Settings for the app under test; by default without the sample workload (an empty dashboard).</summary>
    protected virtual string[] AppArguments => ["--SampleWorkload:Enabled", "false"];

    /// <summary>Where the browser's pages go: the app, unless a fixture puts something in front of it.</summary>
    public virtual Uri BaseAddress => App.BaseAddress;

    /// <summary>Starts what the tests drive; the dashboard process by default.</summary>
    protected virtual Task<AppProcess> StartAppAsync() => AppProcess.StartAsync("Dashboard", ["--Storage:DataDirectory", "{data}", .. AppArguments]);

    public async ValueTask InitializeAsync()
    {
        App = await StartAppAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium",
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
            ],
        });
    }

    /// <summary>A fresh browser context and page that records console errors and page errors.</summary>
    /// <param name="bypassCsp">Lets the test inject a script (axe-core) that the page's content security policy refuses, as it should.</param>
    public async Task<(IBrowserContext Context, IPage Page, List<string> Errors)> NewPageAsync(bool bypassCsp = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            BypassCSP = bypassCsp,
        });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (errors)
                {
                    errors.Add(message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (errors)
            {
                errors.Add(error);
            }
        };
        return (context, page, errors);
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}
