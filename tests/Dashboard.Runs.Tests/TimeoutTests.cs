using System.Net;
using System.Text.Json;

namespace Dashboard.Runs.Tests;

/// <summary>A service whose requests may take one second.</summary>
public sealed class ShortTimeoutFixture : RunsServiceFixture
{
    protected override IEnumerable<string> Arguments => [.. base.Arguments, "--Runs:RequestTimeoutSeconds", "1"];
}

public sealed class TimeoutTests(ShortTimeoutFixture fixture) : IClassFixture<ShortTimeoutFixture>
{
    [Fact]
    public async Task RequestPastTheTimeLimit_AnswersTimeoutInTheEnvelope()
    {
        // A slow client: the body arrives in two parts, three seconds apart.
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/runs/slow-run/events") { Content = new SlowContent() };

        var response = await fixture.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("TIMEOUT", body.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(404, (await fixture.Http.GetErrorAsync("api/runs/slow-run")).Status);
    }

    private sealed class SlowContent : HttpContent
    {
        public SlowContent() => Headers.ContentType = new("application/json");

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync("[{\"type\":\"run_started\","u8.ToArray());
            await stream.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(3));
            await stream.WriteAsync("\"timestamp\":\"2026-11-23T09:00:00Z\",\"workflowId\":\"wf\"}]"u8.ToArray());
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
