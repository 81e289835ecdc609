using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dashboard.Testing;
using Microsoft.Playwright;
using static Dashboard.Benchmarks.Percentiles;

namespace Dashboard.Benchmarks;

/// <summary>
/// The run page's logs panel in Debian's Chromium over a run with 100,000 log lines: opening it, jumping to the end and
/// to the middle, scrolling through it (frame times measured in the page), and a text filter. Also the logs API's page
/// reads at the start, middle and end of those lines. Writes results/logs.md.
/// </summary>
internal static class LogsBenchmark
{
    private const int Lines = 100_000;
    private const string RunId = "logs-run";
    private const int Visits = 5;

    public static async Task RunAsync()
    {
        string[] args = ["--Storage:DataDirectory", "{data}", "--SampleWorkload:Enabled", "false", "--Logging:LogLevel:Default", "Warning",
            "--Runs:RateLimitPerMinute", "100000000"];
        await using var app = await AppProcess.StartAsync("Dashboard", args);
        var api = new List<(string Read, double Ms)>();
        using (var http = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromMinutes(5) })
        {
            await SeedAsync(http);
            api.AddRange(await ApiReadsAsync(http));
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BenchmarkBrowser.LaunchAsync(playwright);
        var visits = new List<Visit>();
        try
        {
            await VisitAsync(browser, app.BaseAddress); // warm-up: JIT and static assets, not a user's visit
            for (var i = 0; i < Visits; i++)
            {
                visits.Add(await VisitAsync(browser, app.BaseAddress));
            }
        }
        catch (TimeoutException)
        {
            Console.Error.WriteLine(string.Join('\n', app.Output.TakeLast(60)));
            throw;
        }

        var report = new StringBuilder();
        report.AppendLine("# Logs benchmark");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on this machine ({Environment.ProcessorCount} cores) by `dotnet run -c Release --project tests/Dashboard.Benchmarks -- logs`,");
        report.AppendLine(CultureInfo.InvariantCulture, $"with Debian's Chromium (headless) against the dashboard on the embedded default (SQLite). One run with {Lines:N0} log lines");
        report.AppendLine("(every tenth a warning, every hundredth an error, most with structured fields). Each figure is the median of");
        report.AppendLine(CultureInfo.InvariantCulture, $"{Visits} visits (range in brackets), each in a fresh browser context after a warm-up visit, timed by Playwright from the action");
        report.AppendLine("until the lines it asks for are on screen. The panel's list stands for every matching line (its scrollbar is the");
        report.AppendLine("whole log) and reads the 200-line pages it scrolls to by offset, holding at most 20 of them per panel. The scroll:");
        report.AppendLine("the list moved by 600 px per animation frame for 4 s, the time between frames measured in the page");
        report.AppendLine("(16.7 ms at 60 frames a second), and how many of the frames showed placeholders (lines still being read). The text");
        report.AppendLine("filter's time includes the search box's 300 ms debounce. Every line is one row of a fixed height (the whole message");
        report.AppendLine("and its fields open below the list on a click): with wrapped lines of varying height, a jump to the end landed two");
        report.AppendLine("thirds of the way down, the list's estimate of where line 100,000 is being off by the difference.");
        report.AppendLine();
        report.AppendLine("| measure | result |");
        report.AppendLine("|---|---:|");
        report.AppendLine(CultureInfo.InvariantCulture, $"| open the panel: count and first lines shown | {Spread(visits.Select(v => v.Open))} |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| jump to the end (scrollbar dragged down): line {Lines - 1:N0} shown | {Spread(visits.Select(v => v.End))} |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| jump to the middle: lines around {Lines / 2:N0} shown | {Spread(visits.Select(v => v.Middle))} |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| scrolling: frame interval p50 / p95 / max | {Median(visits.Select(v => v.FrameP50)):F1} / {Median(visits.Select(v => v.FrameP95)):F1} / {Median(visits.Select(v => v.FrameMax)):F0} ms |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| scrolling: lines passed in 4 s / frames with placeholders on screen | {Median(visits.Select(v => v.Scrolled)):N0} / {Median(visits.Select(v => v.PlaceholderShare)):P0} |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| text filter \"line 7777\" typed: its 11 matches counted and shown | {Spread(visits.Select(v => v.Filter))} |");
        foreach (var (read, ms) in api)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"| logs API (median of 20): {read} | {ms:F1} ms |");
        }
        await ResultsFile.WriteAsync("logs.md", report.ToString());
        Console.WriteLine(report);
    }

    private sealed record Visit(double Open, double End, double Middle, double FrameP50, double FrameP95, double FrameMax, double Scrolled, double PlaceholderShare, double Filter);

    private sealed record ScrollMarks(double[] Frames, int Placeholders, double Top);

    private static async Task<Visit> VisitAsync(IBrowser browser, Uri baseAddress)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/runs/" + RunId);
        await page.Locator(".app-root[data-interactive='true']").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        var list = page.GetByRole(AriaRole.Log, new() { Name = "Log lines" });
        var timeout = new LocatorWaitForOptions { Timeout = 60_000 };

        var clock = Stopwatch.StartNew();
        await page.GetByRole(AriaRole.Button, new() { Name = "Logs" }).ClickAsync();
        await page.GetByRole(AriaRole.Status).Filter(new() { HasText = $"{Lines:N0} lines" }).WaitForAsync(timeout);
        await list.Locator(".log-message", new() { HasText = "line 3 " }).First.WaitForAsync(timeout);
        var open = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        await list.EvaluateAsync("el => el.scrollTop = el.scrollHeight");
        await list.Locator(".log-message", new() { HasText = $"line {Lines - 1} " }).WaitForAsync(timeout);
        var end = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        await list.EvaluateAsync("el => el.scrollTop = el.scrollHeight / 2");
        await list.Locator(".log-message", new() { HasTextRegex = new System.Text.RegularExpressions.Regex("line [3-6]\\d{4} ") }).First.WaitForAsync(timeout);
        await list.Locator(".log-placeholder").First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached, Timeout = 60_000 });
        var middle = clock.Elapsed.TotalMilliseconds;

        // Scrolling from the top: 600 px a frame for 4 s, each frame's interval and whether a placeholder was in view.
        await list.EvaluateAsync("el => el.scrollTop = 0");
        await list.Locator(".log-message", new() { HasText = "line 3 " }).First.WaitForAsync(timeout);
        var json = await list.EvaluateAsync<string>("""
            el => new Promise(resolve => {
              const frames = []; let placeholders = 0; let last = performance.now(); const until = last + 4000;
              const step = now => {
                frames.push(now - last); last = now;
                const box = el.getBoundingClientRect();
                if ([...el.querySelectorAll('.log-placeholder')].some(p => { const r = p.getBoundingClientRect(); return r.bottom > box.top && r.top < box.bottom; })) placeholders++;
                if (now >= until) { resolve(JSON.stringify({ frames, placeholders, top: el.scrollTop })); return; }
                el.scrollTop += 600;
                requestAnimationFrame(step);
              };
              requestAnimationFrame(step);
            })
            """);
        var marks = System.Text.Json.JsonSerializer.Deserialize<ScrollMarks>(json, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;
        var frames = marks.Frames.Skip(1).Order().ToList();
        var scrolled = marks.Top / 26;

        clock.Restart();
        await page.GetByLabel("Search the messages").FillAsync("line 7777");
        await page.GetByRole(AriaRole.Status).Filter(new() { HasText = "11 lines match" }).WaitForAsync(timeout);
        await list.Locator(".log-message", new() { HasText = "line 77779 " }).WaitForAsync(timeout);
        var filter = clock.Elapsed.TotalMilliseconds;
        await context.CloseAsync();

        var visit = new Visit(open, end, middle, Percentiles.Of(frames, 0.5), Percentiles.Of(frames, 0.95), frames[^1], scrolled,
            (double)marks.Placeholders / marks.Frames.Length, filter);
        Console.WriteLine($"  open {open:F0} ms, end {end:F0} ms, middle {middle:F0} ms, frames p50 {visit.FrameP50:F1} p95 {visit.FrameP95:F1} max {visit.FrameMax:F0} ms, {scrolled:N0} lines scrolled, placeholders in {visit.PlaceholderShare:P0} of frames, filter {filter:F0} ms");
        return visit;
    }

    /// <summary>Page reads straight from the API: the first page (counted), one in the middle and the last, by offset; a text filter.</summary>
    private static async Task<List<(string Read, double Ms)>> ApiReadsAsync(HttpClient http)
    {
        var reads = new List<(string, string)>
        {
            ("first page, counted", "limit=200"),
            ("200 lines at offset 50,000", "offset=50000&limit=200"),
            ("200 lines at offset 99,800", "offset=99800&limit=200"),
            ("level=error, first page, counted", "level=error&limit=200"),
            ("q=line 7777, first page, counted", "q=line%207777&limit=200"),
        };
        var results = new List<(string, double)>();
        foreach (var (read, query) in reads)
        {
            var times = new List<double>();
            for (var i = 0; i < 21; i++)
            {
                var clock = Stopwatch.StartNew();
                using var response = await http.GetAsync($"api/runs/{RunId}/logs?{query}");
                await response.Content.ReadAsByteArrayAsync();
                response.EnsureSuccessStatusCode();
                if (i > 0)
                {
                    times.Add(clock.Elapsed.TotalMilliseconds);
                }
            }
            results.Add((read, Median(times)));
        }
        return results;
    }

    private static async Task SeedAsync(HttpClient http)
    {
        var start = DateTimeOffset.FromUnixTimeSeconds(1_790_000_000);
        await PostAsync(http, [$$"""{"type":"run_started","timestamp":"{{start:yyyy-MM-dd'T'HH:mm:ss'Z'}}","workflowId":"wf-logs","workflowName":"Chatty run"}"""]);
        for (var first = 0; first < Lines; first += 5_000)
        {
            var events = new List<string>(5_000);
            for (var i = first; i < first + 5_000; i++)
            {
                var at = start.AddMilliseconds(i * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
                var level = i % 100 == 99 ? "error" : i % 10 == 9 ? "warn" : "info";
                var fields = i % 3 == 0 ? "" : $$""","orderId":"ord_{{i % 977}}","attemptMs":{{i % 400}}""";
                events.Add($$"""{"type":"log","timestamp":"{{at}}","level":"{{level}}","message":"line {{i}} processed batch item","stepId":"step-{{i / 1000}}"{{fields}}}""");
            }
            await PostAsync(http, events);
        }
        await PostAsync(http, [$$"""{"type":"run_completed","timestamp":"{{start.AddHours(1):yyyy-MM-dd'T'HH:mm:ss'Z'}}"}"""]);
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
