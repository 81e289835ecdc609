using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dashboard.Testing;
using Microsoft.Playwright;

namespace Dashboard.Benchmarks;

/// <summary>
/// The run page in Debian's Chromium: a 10,000-step run with retries and loop iterations, one step of which returned
/// a 5 MB output. Measures time to first render and to interactive, opening the big output, and
/// how much the dashboard process grew while serving that one circuit. Writes results/run-page.md.
/// </summary>
internal static class RunPageBenchmark
{
    private const int Steps = 10_000;
    private const string RunId = "big-run";
    private const int BigStep = 5_000;
    private const int MemoryTabs = 6;

    public static async Task RunAsync()
    {
        string[] args = ["--Storage:DataDirectory", "{data}", "--SampleWorkload:Enabled", "false", "--Logging:LogLevel:Default", "Warning",
            "--Runs:RateLimitPerMinute", "100000000", "--Runs:SnapshotLimitBytes", "8388608"];
        await using var app = await AppProcess.StartAsync("Dashboard", args);
        using (var http = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromMinutes(5) })
        {
            await SeedAsync(http);
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run"],
        });

        // Warm the app once (JIT, static assets) so the figures are those of a user's visit, not of the first request ever.
        await VisitAsync(browser, app.BaseAddress, "/runs/" + RunId);

        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1366, Height = 860 } });
        var page = await context.NewPageAsync();
        var clock = Stopwatch.StartNew();
        await page.GotoAsync("/runs/" + RunId, new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        await page.GetByRole(AriaRole.Heading, new() { Name = "Big run", Level = 1 }).WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        var firstRender = clock.Elapsed.TotalMilliseconds;
        var timeline = page.GetByRole(AriaRole.Listbox, new() { Name = "Step timeline" }).GetByRole(AriaRole.Option);
        await timeline.First.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        var timelineShown = clock.Elapsed.TotalMilliseconds;
        await page.Locator(".app-root[data-interactive='true']").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        await timeline.First.ClickAsync();
        await page.GetByLabel("Step details").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        var interactive = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        await page.GotoAsync($"/runs/{RunId}?step=step-{BigStep}&tab=output", new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        var output = page.GetByRole(AriaRole.Region, new() { Name = "Output JSON" });
        await output.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        var bigOutput = clock.Elapsed.TotalMilliseconds;

        // Search the 5 MB output: from the keystrokes until the match count is shown and the first match is on screen.
        await page.Locator(".app-root[data-interactive='true']").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        clock.Restart();
        await page.GetByLabel("Search in Output").FillAsync("needle");
        await output.GetByRole(AriaRole.Status).Filter(new() { HasText = $"{NeedleCount} matches" }).WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        await output.Locator(".json-match").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        var search = clock.Elapsed.TotalMilliseconds;
        await context.CloseAsync();

        // Memory of a circuit: tabs opened on the 5 MB output of the 10,000-step run (so each circuit holds the whole
        // timeline, the rollups and that output), the output searched. Measured as what a full GC leaves alive. The first
        // tab also fills process-wide caches (the array pool keeps the big buffers that reading 5 MB rented), so the
        // figure is the growth from the first tab to the last, per tab: what each further viewer costs. Buffers that the
        // array pool happens to keep still move it by several MB between runs; more tabs spread that.
        var heapBefore = await LiveHeap.MegabytesAsync(app.ProcessId);
        var before = ResidentMegabytes(app.ProcessId);
        var memoryContext = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1366, Height = 860 } });
        await OpenSearchedOutputAsync(memoryContext);
        var heapOne = await LiveHeap.MegabytesAsync(app.ProcessId);
        for (var tab = 1; tab < MemoryTabs; tab++)
        {
            await OpenSearchedOutputAsync(memoryContext);
        }
        var heapLast = await LiveHeap.MegabytesAsync(app.ProcessId);
        var after = ResidentMegabytes(app.ProcessId);
        await memoryContext.CloseAsync();
        var firstTab = heapOne - heapBefore;
        var circuit = (heapLast - heapOne) / (MemoryTabs - 1);

        Console.WriteLine($"first render {firstRender:F0} ms, timeline {timelineShown:F0} ms, interactive {interactive:F0} ms, 5 MB output {bigOutput:F0} ms, search {search:F0} ms, circuit keeps {circuit:F1} MB (first tab {firstTab:F1} MB), process grew {after - before:F1} MB over {MemoryTabs} tabs");
        var report = new StringBuilder();
        report.AppendLine("# Run page benchmark");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on this machine ({Environment.ProcessorCount} cores) by `dotnet run -c Release --project tests/Dashboard.Benchmarks -- run-page`,");
        report.AppendLine(CultureInfo.InvariantCulture, $"with Debian's Chromium (headless) against the dashboard on the embedded default. The run has {Steps:N0} steps, every tenth retried once,");
        report.AppendLine("every hundredth a loop of three iterations, and one step whose output is 5 MB of JSON (the snapshot limit raised so it is stored whole).");
        report.AppendLine("Times are from navigation start, after one warm-up visit. Circuit memory: tabs opened on the 5 MB output (so each circuit");
        report.AppendLine("holds the whole timeline, the rollups and that output), the output searched; measured as what a full GC, induced in the");
        report.AppendLine("dashboard process over EventPipe, leaves alive. Per circuit is the growth from the first such tab to the sixth, over five (the");
        report.AppendLine("first also fills process-wide caches, such as the array pool's big buffers, and is shown apart). The resident-set growth");
        report.AppendLine("over the six tabs is shown too: it also counts garbage not yet collected and memory the runtime keeps for later.");
        report.AppendLine();
        report.AppendLine("| measure | result | target |");
        report.AppendLine("|---|---:|---:|");
        report.AppendLine(CultureInfo.InvariantCulture, $"| run page: first render (header: status, error, timings) | {firstRender:F0} ms | |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| run page: first timeline row rendered | {timelineShown:F0} ms | |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| run page: interactive (a click on a step opens its panel) | {interactive:F0} ms | 2,000 ms |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| deep link to the 5 MB output: viewer shown | {bigOutput:F0} ms | |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| search \"needle\" in that output: {NeedleCount} matches counted, first one on screen | {search:F0} ms | |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| circuit memory: kept alive per tab on that output, searched | {circuit:F1} MB | 30 MB |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| kept alive after the first such tab (with process-wide caches) | {firstTab:F1} MB | |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| dashboard process resident-set growth over the {MemoryTabs} tabs | {after - before:F1} MB | |");
        var path = Path.Combine(RepoPaths.Root, "tests", "Dashboard.Benchmarks", "results", "run-page.md");
        await File.WriteAllTextAsync(path, report.ToString());
        Console.WriteLine(report);
    }

    /// <summary>A tab on the 5 MB output with "needle" searched, left open.</summary>
    private static async Task OpenSearchedOutputAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/runs/{RunId}?step=step-{BigStep}&tab=output");
        await page.Locator(".app-root[data-interactive='true']").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        await page.GetByRole(AriaRole.Listbox, new() { Name = "Step timeline" }).GetByRole(AriaRole.Option).First.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        var output = page.GetByRole(AriaRole.Region, new() { Name = "Output JSON" });
        await page.GetByLabel("Search in Output").FillAsync("needle");
        await output.GetByRole(AriaRole.Status).Filter(new() { HasText = $"{NeedleCount} matches" }).WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
    }

    private static async Task VisitAsync(IBrowser browser, Uri baseAddress, string path)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        await page.GetByRole(AriaRole.Listbox, new() { Name = "Step timeline" }).GetByRole(AriaRole.Option).First.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        await context.CloseAsync();
    }

    private static double ResidentMegabytes(int processId)
    {
        var line = File.ReadLines($"/proc/{processId}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    private static async Task SeedAsync(HttpClient http)
    {
        var second = 0L;
        string Ts() => DateTimeOffset.FromUnixTimeSeconds(1_790_000_000 + second++).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        await PostAsync(http, [$$"""{"type":"run_started","timestamp":"{{Ts()}}","workflowId":"wf-big","workflowName":"Big run"}"""]);
        for (var start = 0; start < Steps; start += 200)
        {
            var events = new List<string>();
            for (var s = start; s < start + 200; s++)
            {
                var name = $"\"stepId\":\"step-{s}\",\"stepName\":\"Step {s}\"";
                if (s % 100 == 50)
                {
                    for (var loop = 0; loop < 3; loop++)
                    {
                        events.Add($$$"""{"type":"step_started","timestamp":"{{{Ts()}}}",{{{name}}},"loopIndex":{{{loop}}},"input":{"item":{{{loop}}}}}""");
                        events.Add($$$"""{"type":"step_completed","timestamp":"{{{Ts()}}}","stepId":"step-{{{s}}}","loopIndex":{{{loop}}},"output":{"ok":true}}""");
                    }
                    continue;
                }
                events.Add($$$"""{"type":"step_started","timestamp":"{{{Ts()}}}",{{{name}}},"input":{"item":{{{s}}}}}""");
                if (s % 10 == 0)
                {
                    events.Add($$"""{"type":"step_failed","timestamp":"{{Ts()}}","stepId":"step-{{s}}","error":"transient","willRetry":true}""");
                    events.Add($$"""{"type":"step_started","timestamp":"{{Ts()}}","stepId":"step-{{s}}","attempt":2}""");
                }
                var output = s == BigStep ? BigOutput() : $$"""{"result":"value {{s}}"}""";
                events.Add($$"""{"type":"step_completed","timestamp":"{{Ts()}}","stepId":"step-{{s}}","output":{{output}},"tokens":{"prompt":120,"completion":30},"costUsd":"0.0003"}""");
            }
            await PostAsync(http, events);
        }
        await PostAsync(http, [$$"""{"type":"run_completed","timestamp":"{{Ts()}}"}"""]);
    }

    private static int NeedleCount { get; set; }

    /// <summary>About 5 MB of JSON: records with a few fields each, every thousandth mentioning "needle" to search for.</summary>
    private static string BigOutput()
    {
        var json = new StringBuilder("{\"records\":[");
        for (var i = 0; json.Length < 5 * 1024 * 1024; i++)
        {
            NeedleCount += i % 1000 == 7 ? 1 : 0;
            json.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $$"""{"id":{{i}},"name":"record {{i}}","tags":["a","b"],"note":"{{(i % 1000 == 7 ? "needle" : "hay")}} lorem ipsum dolor sit amet"}""");
        }
        return json.Append("]}").ToString();
    }

    private static async Task PostAsync(HttpClient http, IEnumerable<string> events)
    {
        using var response = await http.PostAsync($"api/runs/{RunId}/events", new StringContent("[" + string.Join(',', events) + "]", Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}
