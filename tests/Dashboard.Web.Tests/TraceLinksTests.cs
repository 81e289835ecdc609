using System.Text.Json;
using Dashboard.Model;
using Dashboard.Model.Runs;

namespace Dashboard.Web.Tests;

public sealed class TraceLinksTests
{
    private static RunRecord Run(string? traceId, string? spanId) => new()
    {
        Id = "r1",
        TelemetrySpanId = spanId,
        Metadata = traceId is null ? null : JsonSerializer.SerializeToElement(new Dictionary<string, string> { [TraceLinks.TraceIdKey] = traceId }),
    };

    [Fact]
    public void TheTemplate_TakesTheRunsTraceAndSpanIds()
    {
        Assert.Equal("http://jaeger:16686/trace/abc123?uiFind=def456", TraceLinks.For("http://jaeger:16686/trace/{traceId}?uiFind={spanId}", Run("abc123", "def456")));
    }

    [Theory]
    [InlineData(null, "http://tempo/{traceId}")]
    [InlineData("abc", "")]
    [InlineData("abc", "javascript:alert('{traceId}')")]
    public void NoLink_WithoutATemplate_AnIdItNeeds_OrAWebAddress(string? traceId, string template)
    {
        Assert.Null(TraceLinks.For(template, Run(traceId, null)));
    }

    [Fact]
    public void Ids_AreEscaped()
    {
        Assert.Equal("https://tools.example/t/a%2Fb", TraceLinks.For("https://tools.example/t/{traceId}", Run("a/b", null)));
    }
}
