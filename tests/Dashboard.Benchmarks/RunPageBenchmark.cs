using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dashboard.Testing;
using Microsoft.Playwright;
using static Dashboard.Benchmarks.Percentiles;

namespace Dashboard.Benchmarks;

/// <summary>
/// The run page in Debian's Chromium: a 10,000-step run with retries and loop iterations, one step of which returned
/// a 5 MB output. Measures time to first render and to interactive, opening the big output, and
/// how much the dashboard process grew while serving that one circuit. Writes results/run-page.md.
/// </summary>
internal static class RunPageBenchmark
{
    /// <summary>10,000 by default; <c>-- run-page --steps 100000</c> for the big run (written to run-page-100k.md).</summary>
    private static int Steps = 10_000;
    private const string RunId = "big-run";
    private static int BigStep => Steps / 2;

    // Issue #15 set 1.5 s for the 100,000-step run; the 10,000-step run's target came before it.
    private static string InteractiveTarget => Steps >= 100_000 ? "1,500 ms" : "2,000 ms";
    private const int MemoryTabs = 6;
    private const int Visits = 7;

    /// <param name="byType">Instead of the benchmark: what a circuit's memory is made of, by type.</param>
    /// <param name="timesOnly">Only the visits' and the deep link's times, not written to the results (for comparing two commits quickly).</param>
    public static async Task RunAsync(bool byType = false, bool timesOnly = false, int steps = 10_000)
    {
        Steps = steps;
        string[] args = ["--Storage:DataDirectory", "{data}", "--SampleWorkload:Enabled", "false", "--Logging:LogLevel:Default", "Warning",
            "--Runs:RateLimitPerMinute", "100000000", "--Runs:SnapshotLimitBytes", "8388608",
            // The timed visits' pages, gone with their tabs, are let go of within seconds instead of kept three minutes for a
            // reconnect: at 100,000 steps those left from the visits outweighed the tabs measured after them.
            "--Circuits:DisconnectedCircuitRetentionPeriod", "00:00:05"];
        await using var app = await AppProcess.StartAsync("Dashboard", args);
        using (var http = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromMinutes(5) })
        {
            await SeedAsync(http);
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BenchmarkBrowser.LaunchAsync(playwright);

        // Warm the app once (JIT, static assets) so the figures are those of a user's visit, not of the first request ever.
        await VisitAsync(browser, app.BaseAddress, "/runs/" + RunId);
        if (byType)
        {
            await PrintCircuitByTypeAsync(browser, app);
            return;
        }

        // A visit's times swing by a few hundred milliseconds on two shared cores: the median of several visits, each in a
        // fresh browser context (nothing cached, as a colleague opening a link for the first time). Timed in the page, and
        // driven by Playwright (which adds its own waits).
        var inPage = new List<Visit>();
        var driven = new List<Visit>();
        for (var i = 0; i < Visits; i++)
        {
            inPage.Add(await InPageVisitAsync(browser, app.BaseAddress));
            driven.Add(await DrivenVisitAsync(browser, app.BaseAddress));
        }
        var firstRender = Median(inPage.Select(v => v.FirstRender));
        var timelineShown = Median(inPage.Select(v => v.Timeline));
        var interactive = Median(inPage.Select(v => v.Interactive));
        var drivenFirstRender = Median(driven.Select(v => v.FirstRender));
        var drivenTimeline = Median(driven.Select(v => v.Timeline));
        var drivenInteractive = Median(driven.Select(v => v.Interactive));
        // The deep link and the search in it, each the median of three visits in fresh contexts.
        var deepLinks = new List<(double Shown, double Search)>();
        for (var i = 0; i < 3; i++)
        {
            deepLinks.Add(await DeepLinkVisitAsync(browser, app.BaseAddress));
        }
        var bigOutput = Median(deepLinks.Select(d => d.Shown));
        var search = Median(deepLinks.Select(d => d.Search));
        if (timesOnly)
        {
            Console.WriteLine($"median in page: first render {firstRender:F0} ms, timeline {timelineShown:F0} ms, interactive {interactive:F0} ms; driven: {drivenFirstRender:F0} / {drivenTimeline:F0} / {drivenInteractive:F0} ms; deep link to the 5 MB output {bigOutput:F0} ms ({Spread(deepLinks.Select(d => d.Shown))}), search {search:F0} ms");
            return;
        }

        // Memory of a circuit: tabs opened on the 5 MB output of the 10,000-step run (so each circuit holds the whole
        // timeline, the rollups and that output), the output searched. Measured as what a full GC leaves alive, as the
        // growth from the first tab to the last, per tab: what each further viewer costs. Both readings are taken once the
        // circuits have sat idle long enough for the runtime's shared array pool to let go of the buffers it keeps for
        // reuse (parsing a 5 MB payload returns 8 and 16 MB buffers to it, kept per thread and per core; read at once,
        // which threads happened to do the parsing moved the figure by 10 MB between runs).
        var before = ResidentMegabytes(app.ProcessId);
        var memoryContext = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1366, Height = 860 } });
        await OpenSearchedOutputAsync(memoryContext);
        var idleOne = await LiveHeap.MegabytesWhenIdleAsync(app.ProcessId);
        for (var tab = 1; tab < MemoryTabs; tab++)
        {
            await OpenSearchedOutputAsync(memoryContext);
        }
        var atOnce = await LiveHeap.MegabytesAsync(app.ProcessId);
        var after = ResidentMegabytes(app.ProcessId);
        var idleLast = await LiveHeap.MegabytesWhenIdleAsync(app.ProcessId);
        await memoryContext.CloseAsync();
        var circuit = (idleLast - idleOne) / (MemoryTabs - 1);
        var spare = atOnce - idleLast;

        Console.WriteLine($"first render {firstRender:F0} ms, timeline {timelineShown:F0} ms, interactive {interactive:F0} ms, 5 MB output {bigOutput:F0} ms, search {search:F0} ms, circuit keeps {circuit:F1} MB ({spare:F1} MB more held right after the tabs opened), process grew {after - before:F1} MB over {MemoryTabs} tabs");
        var report = new StringBuilder();
        report.AppendLine("# Run page benchmark");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on this machine ({Environment.ProcessorCount} cores) by `dotnet run -c Release --project tests/Dashboard.Benchmarks -- run-page`,");
        report.AppendLine(CultureInfo.InvariantCulture, $"with Debian's Chromium (headless) against the dashboard on the embedded default. The run has {Steps:N0} steps, every tenth retried once,");
        report.AppendLine("every hundredth a loop of three iterations, and one step whose output is 5 MB of JSON (the snapshot limit raised so it is stored whole).");
        report.AppendLine(CultureInfo.InvariantCulture, $"Times: from navigation start, after one warm-up visit; the median of {Visits} visits (range in brackets), each in a");
        report.AppendLine("fresh browser context (nothing cached). Timed in the page by its own clock: first contentful paint (the prerendered");
        report.AppendLine("header), the first timeline row in the DOM, and a click on that row made as soon as it is there and the circuit is up,");
        report.AppendLine("until the step's panel shows. The same visit driven by Playwright is shown too: its polling and its click's checks");
        report.AppendLine("(visible, stable, enabled) add 300-700 ms on this machine. The run page asks for the first 200 attempts, shows them,");
        report.AppendLine("and reads the rest once they are on screen (and once the step the link or a click chose is shown). The deep link and");
        report.AppendLine("the search: the median of three Playwright-driven visits. Circuit memory: six tabs opened on the 5 MB output (so each");
        report.AppendLine("circuit holds the whole timeline, the rollups and that output), the output searched; what a full GC, induced in the");
        report.AppendLine("dashboard process over EventPipe, leaves alive; per circuit = growth from the first tab to the sixth, over five. Both");
        report.AppendLine("readings are taken when the process has been idle long enough for .NET's shared array pool to drop the buffers it");
        report.AppendLine("keeps for reuse (parsing a 5 MB payload returns 8 and 16 MB buffers to it, kept per thread and per core, dropped after");
        report.AppendLine("30-60 s unused): a GC every 16 s until two readings agree within 0.5 MB. What the process held beyond that right after");
        report.AppendLine("the tabs opened is shown apart. The resident-set growth also counts garbage not yet collected and memory the runtime");
        report.AppendLine("keeps for later.");
        report.AppendLine();
        report.AppendLine("| measure | result | target |");
        report.AppendLine("|---|---:|---:|");
        report.AppendLine(CultureInfo.InvariantCulture, $"| run page: first render (header: status, error, timings) | {Spread(inPage.Select(v => v.FirstRender))} | |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| run page: first timeline row rendered | {Spread(inPage.Select(v => v.Timeline))} | |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| run page: interactive (a click on a step opens its panel) | {Spread(inPage.Select(v => v.Interactive))} | {InteractiveTarget} |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| the same driven by Playwright: first render / first row / interactive | {drivenFirstRender:F0} / {drivenTimeline:F0} / {drivenInteractive:F0} ms | |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| deep link to the 5 MB output: viewer shown | {bigOutput:F0} ms | |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| search \"needle\" in that output: {NeedleCount} matches counted, first one on screen | {search:F0} ms | |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| circuit memory: kept alive per tab on that output, searched (idle) | {circuit:F1} MB | 30 MB |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| held beyond that right after the last five tabs opened (spare pooled buffers), released when idle | {spare:F1} MB | |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| dashboard process resident-set growth over the {MemoryTabs} tabs | {after - before:F1} MB | |");
        await ResultsFile.WriteAsync(Steps == 10_000 ? "run-page.md" : $"run-page-{Steps / 1000}k.md", report.ToString());
        Console.WriteLine(report);
    }

    /// <summary>Where a circuit's memory goes: the growth by type from the first tab on the searched output to the last.</summary>
    private static async Task PrintCircuitByTypeAsync(IBrowser browser, AppProcess app)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1366, Height = 860 } });
        await OpenSearchedOutputAsync(context);
        var first = await LiveHeap.ByTypeAsync(app.ProcessId);
        for (var tab = 1; tab < MemoryTabs; tab++)
        {
            await OpenSearchedOutputAsync(context);
        }
        var last = await LiveHeap.ByTypeAsync(app.ProcessId);
        LiveHeap.PrintGrowth(first, last, MemoryTabs - 1);
        await context.CloseAsync();
    }

    /// <summary>
    /// Watches the page from inside (browser clock, from navigation start): the header painted, the first timeline row,
    /// and, as soon as a row is there and the circuit is up, a click on it, until the step's panel shows. What a user who
    /// clicks the moment they can would see, without the test driver's own latency.
    /// </summary>
    private const string InPageProbe = """
        (() => {
          const marks = window.__runPage = {};
          const probe = () => {
            const now = performance.now();
            if (marks.header === undefined && [...document.querySelectorAll('h1')].some(h => h.textContent.includes('Big run'))) marks.header = now;
            const row = document.querySelector('[role=listbox][aria-label="Step timeline"] [role=option]');
            if (marks.row === undefined && row) marks.row = now;
            if (marks.clicked === undefined && row && document.querySelector('.app-root[data-interactive="true"]')) { marks.clicked = now; row.click(); }
            if (marks.details === undefined && document.querySelector('[aria-label="Step details"]')) marks.details = now;
          };
          new MutationObserver(probe).observe(document, { subtree: true, childList: true, attributes: true });
        })();
        """;

    private sealed record Visit(double FirstRender, double Timeline, double Interactive);

    private sealed record PageMarks(double Header, double Row, double Clicked, double Details);

    /// <summary>One visit, timed in the page: first render (the header), first timeline row, a click on it answered.</summary>
    private static async Task<Visit> InPageVisitAsync(IBrowser browser, Uri baseAddress)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1366, Height = 860 } });
        var page = await context.NewPageAsync();
        await page.AddInitScriptAsync(InPageProbe);
        await page.GotoAsync("/runs/" + RunId, new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        await page.WaitForFunctionAsync("() => window.__runPage && window.__runPage.details !== undefined", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        // The header is in the prerendered HTML: it is seen at the first contentful paint (after the style sheets), not when parsed.
        var marks = System.Text.Json.JsonSerializer.Deserialize<PageMarks>(
            await page.EvaluateAsync<string>("""
                () => JSON.stringify({ ...window.__runPage,
                  header: Math.max(window.__runPage.header, performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0) })
                """), new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;
        await context.CloseAsync();
        Console.WriteLine($"  in page: header {marks.Header:F0} ms, first row {marks.Row:F0} ms, clicked {marks.Clicked:F0} ms, panel {marks.Details:F0} ms");
        return new Visit(marks.Header, marks.Row, marks.Details);
    }

    /// <summary>A link to the 5 MB output: until the viewer shows; then "needle" typed until its matches are counted and on screen.</summary>
    private static async Task<(double Shown, double Search)> DeepLinkVisitAsync(IBrowser browser, Uri baseAddress)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1366, Height = 860 } });
        var page = await context.NewPageAsync();
        var clock = Stopwatch.StartNew();
        await page.GotoAsync($"/runs/{RunId}?step=step-{BigStep}&tab=output", new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        var output = page.GetByRole(AriaRole.Region, new() { Name = "Output JSON" });
        await output.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        var shown = clock.Elapsed.TotalMilliseconds;

        await page.Locator(".app-root[data-interactive='true']").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        clock.Restart();
        await page.GetByLabel("Search in Output").FillAsync("needle");
        await output.GetByRole(AriaRole.Status).Filter(new() { HasText = $"{NeedleCount} matches" }).WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        await output.Locator(".json-match").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        var search = clock.Elapsed.TotalMilliseconds;
        await context.CloseAsync();
        Console.WriteLine($"  deep link: output shown {shown:F0} ms, search {search:F0} ms");
        return (shown, search);
    }

    /// <summary>One visit driven by Playwright: its waits and its click's checks (visible, stable, enabled) add their own time.</summary>
    private static async Task<Visit> DrivenVisitAsync(IBrowser browser, Uri baseAddress)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1366, Height = 860 } });
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
        Console.WriteLine($"  driven: first render {firstRender:F0} ms, timeline {timelineShown:F0} ms, interactive {interactive:F0} ms");
        await context.CloseAsync();
        return new Visit(firstRender, timelineShown, interactive);
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
