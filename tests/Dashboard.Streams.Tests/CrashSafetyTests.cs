using System.Net;
using System.Text;
using Dashboard.Streams.Core;
using Dashboard.Testing;

namespace Dashboard.Streams.Tests;

public sealed class CrashSafetyTests
{
    [Fact]
    public async Task AcknowledgedAppends_SurviveAProcessKill_AndOffsetsContinue()
    {
        var token = TestContext.Current.CancellationToken;
        var data = Directory.CreateTempSubdirectory("streams-crash-").FullName;
        var args = new[] { "--Streams:DatabasePath", "{data}/streams.db", "--Logging:LogLevel:Default", "Warning" };
        string lastOffset;
        await using (var server = await AppProcess.StartAsync("Dashboard.Runs", args, data))
        {
            using var http = new HttpClient { BaseAddress = server.BaseAddress };
            var created = await http.PutAsync("v1/stream/crash", Json("[]"), token);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            HttpResponseMessage appended = null!;
            for (var i = 0; i < 50; i++)
            {
                appended = await http.PostAsync("v1/stream/crash", Json($$"""{"n":{{i}}}"""), token);
                Assert.Equal(HttpStatusCode.NoContent, appended.StatusCode);
            }
            lastOffset = appended.Headers.GetValues(StreamHeaders.NextOffset).Single();

            // No graceful shutdown: the process dies right after the last acknowledgement.
            await server.KillAsync();
        }

        try
        {
            await using var restarted = await AppProcess.StartAsync("Dashboard.Runs", args, data);
            using var http = new HttpClient { BaseAddress = restarted.BaseAddress };
            var body = await http.GetStringAsync("v1/stream/crash?offset=-1", token);
            Assert.Equal("[" + string.Join(',', Enumerable.Range(0, 50).Select(i => $$"""{"n":{{i}}}""")) + "]", body);

            var next = await http.PostAsync("v1/stream/crash", Json("""{"n":50}"""), token);
            var nextOffset = next.Headers.GetValues(StreamHeaders.NextOffset).Single();
            Assert.True(string.CompareOrdinal(nextOffset, lastOffset) > 0);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
}
