using System.Net;
using System.Text;
using Dashboard.Testing;
using static Dashboard.Runs.Tests.OtlpContentWaitTests;

namespace Dashboard.Runs.Tests;

/// <summary>
/// An exporter counts its log records delivered once the export is answered, and a record may wait minutes for its span
/// (SDKs send a span when it ends). A service killed (SIGKILL, out of memory) while records wait loses none of them: the
/// service that runs next on the store puts each on its step once its wait is up.
/// </summary>
public sealed class OtlpLogsOfAKilledInstanceTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task LogLinesWaitingForTheirSpan_WhenTheServiceIsKilled_ReachTheirStepAfterARestart(string store)
    {
        string[] arguments = [.. await Stores.ArgumentsAsync(store), "--Runs:OtlpLogWaitSeconds", "2", "--Logging:LogLevel:Default", "Warning"];
        var service = "killed-agent-" + Guid.NewGuid().ToString("N")[..8];
        var traceId = TraceId();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;

        // Disposed last: it owns the data directory the next service runs on.
        await using var doomed = await AppProcess.StartAsync("Dashboard.Runs", arguments);
        using (var http = new HttpClient { BaseAddress = doomed.BaseAddress })
        {
            // The model call's span has not ended: its lines wait in the service for it.
            await PostOkAsync(http, "v1/logs", Logs(service, Line(traceId, now + 1, "calling <b>model</b>"), Line(traceId, now + 2, "retrying after 429")));
        }
        await doomed.KillAsync();

        await using var next = await AppProcess.StartAsync("Dashboard.Runs", arguments, dataDirectory: doomed.DataDirectory);
        using var reader = new HttpClient { BaseAddress = next.BaseAddress };
        await PostOkAsync(reader, "v1/traces", ChatSpan(service, traceId, now));

        // Offered 12 s ago or more (the wait's 2 s and ten more), the lines are the new service's to place.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            var lines = (await reader.GetJsonAsync($"api/runs/{traceId}/logs")).GetProperty("items").EnumerateArray().ToList();
            if (lines.Count == 2)
            {
                Assert.Equal(["calling <b>model</b>", "retrying after 429"], lines.Select(l => l.GetProperty("message").GetString()));
                Assert.All(lines, l => Assert.Equal("triage", l.GetProperty("stepId").GetString()));
                break;
            }
            Assert.True(DateTimeOffset.UtcNow < deadline, $"The killed service's lines did not reach their step ({lines.Count} of 2 there).");
            await Task.Delay(200, Token);
        }
    }

    private static string Line(string traceId, long at, string text) =>
        $$"""{"timeUnixNano":"{{at}}","severityText":"INFO","body":{"stringValue":"{{text}}"},"traceId":"{{traceId}}","spanId":"00000000000000b2"}""";

    private static async Task PostOkAsync(HttpClient http, string path, string json)
    {
        using var response = await http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), Token);
        var body = await response.Content.ReadAsStringAsync(Token);
        Assert.True(response.StatusCode == HttpStatusCode.OK && !body.Contains("partialSuccess", StringComparison.Ordinal), $"{path}: {body}");
    }
}
