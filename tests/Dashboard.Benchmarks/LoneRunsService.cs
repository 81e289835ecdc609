using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dashboard.Testing;

namespace Dashboard.Benchmarks;

/// <summary>
/// What the benchmarks of one runs service on SQLite share: the service started with no rate limit and quiet logs, its
/// CPU so far, a POST that must succeed, and times a second apart from a fixed start.
/// </summary>
internal static class LoneRunsService
{
    /// <summary>Quiet logs and no rate limit: what every benchmark's runs service is started with.</summary>
    public static readonly string[] Quiet = ["--Logging:LogLevel:Default", "Warning", "--Runs:RateLimitPerMinute", "100000000"];

    public static Task<AppProcess> StartAsync() => AppProcess.StartAsync("Dashboard.Runs", ["--Streams:DatabasePath", "{data}/runs.db", .. Quiet]);

    /// <summary>The process's user and kernel time so far: its own cost, which holds better than wall time on a shared machine.</summary>
    public static Func<TimeSpan> CpuOf(AppProcess app)
    {
        var process = Process.GetProcessById(app.ProcessId);
        return () =>
        {
            process.Refresh();
            return process.TotalProcessorTime;
        };
    }

    public static async Task PostAsync(HttpClient http, string url, string body)
    {
        using var response = await http.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    public static string Ts(int second) => DateTimeOffset.FromUnixTimeSeconds(1_790_000_000 + second).ToString("yyyy-MM-dd'T'HH:mm:ss'.'fff'Z'", CultureInfo.InvariantCulture);
}
