namespace Dashboard.Benchmarks;

internal static class Percentiles
{
    /// <summary>The nearest-rank percentile of an ascending list (NaN when empty).</summary>
    public static double Of(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>"median ms (lowest-highest)", for a results table.</summary>
    public static string Spread(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Median(sorted):F0} ms ({sorted[0]:F0}-{sorted[^1]:F0})");
    }
}

/// <summary>Debian's Chromium, headless, as the browser benchmarks drive it (never a downloaded one).</summary>
internal static class BenchmarkBrowser
{
    public static Task<Microsoft.Playwright.IBrowser> LaunchAsync(Microsoft.Playwright.IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new Microsoft.Playwright.BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run"],
        });
}
