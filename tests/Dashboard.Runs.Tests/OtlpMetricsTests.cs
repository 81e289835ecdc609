using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dashboard.Runs.Otlp.Wire;
using Metric = Dashboard.Runs.Otlp.Wire.Metric;
using Grpc.Core;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Dashboard.Runs.Tests;

/// <summary>
/// OTLP metrics, which an SDK set up with one endpoint for every signal sends beside its spans and logs: answered, over
/// gRPC and HTTP, as partial success with every data point rejected and the reason, so its exports do not fail; the
/// keys hold as for the other signals.
/// </summary>
public sealed class OtlpMetricsTests(OtlpGrpcFixture fixture) : IClassFixture<OtlpGrpcFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private HttpClient Http(string key)
    {
        var http = new HttpClient { BaseAddress = fixture.Service.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public void TheSdksMetricExporter_ExportsWithoutFailing(OtlpExportProtocol protocol)
    {
        var endpoint = protocol == OtlpExportProtocol.Grpc
            ? OtlpGrpc.Address(fixture.Service)
            : new Uri(fixture.Service.BaseAddress, "v1/metrics");
        using var meter = new Meter("otlp-metrics-tests-" + Guid.NewGuid().ToString("N"));
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(meter.Name)
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("metrics-agent"))
            .AddOtlpExporter(options =>
            {
                options.Endpoint = endpoint;
                options.Protocol = protocol;
                options.Headers = "Authorization=Bearer " + OtlpGrpcFixture.Engine;
            })
            .Build();
        meter.CreateCounter<long>("gen_ai.client.token.usage").Add(120);
        meter.CreateHistogram<double>("gen_ai.client.operation.duration").Record(0.8);

        // ForceFlush is the export's own result: false when the endpoint is missing (a 404, or gRPC's UNIMPLEMENTED).
        Assert.True(provider.ForceFlush(10_000));
    }

    [Fact]
    public async Task OverGrpc_EveryKindOfPointIsCounted_AsRejected_WithTheReason()
    {
        using var channel = OtlpGrpc.Channel(fixture.Service);
        var metrics = new MetricsService.MetricsServiceClient(channel);

        var response = await metrics.ExportAsync(Export(), OtlpGrpc.Key(OtlpGrpcFixture.Engine), cancellationToken: Token);

        Assert.Equal(6, response.PartialSuccess.RejectedDataPoints);
        Assert.Contains("does not store metrics", response.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        // An export without points has nothing to reject: no partial success (as the specification asks).
        Assert.Null((await metrics.ExportAsync(new ExportMetricsServiceRequest(), OtlpGrpc.Key(OtlpGrpcFixture.Engine), cancellationToken: Token)).PartialSuccess);

        var unknown = await Assert.ThrowsAsync<RpcException>(async () =>
            await metrics.ExportAsync(Export(), OtlpGrpc.Key("not-a-key-0123456789abcdef"), cancellationToken: Token));
        Assert.Equal(StatusCode.Unauthenticated, unknown.StatusCode);
        var reader = await Assert.ThrowsAsync<RpcException>(async () =>
            await metrics.ExportAsync(Export(), OtlpGrpc.Key(OtlpGrpcFixture.ReaderKey), cancellationToken: Token));
        Assert.Equal(StatusCode.PermissionDenied, reader.StatusCode);
    }

    [Fact]
    public async Task OverHttpJson_ThePointsAreCountedAsRejected_AndBadExportsGetTheErrorEnvelope()
    {
        // OTLP/JSON as a collector writes it: hex ids in exemplars, int64s as strings, fields this service does not read.
        const string body = """
            {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"<script>alert(1)</script>"}}]},
             "scopeMetrics":[{"scope":{"name":"agent"},"metrics":[
               {"name":"gen_ai.client.token.usage","unit":"{token}","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[
                 {"asInt":"120","timeUnixNano":"1764576000000000000","attributes":[{"key":"gen_ai.token.type","value":{"stringValue":"input"}}]},
                 {"asInt":"45","timeUnixNano":"1764576000000000000","exemplars":[{"asInt":"45","traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b175"}]}]}},
               {"name":"queue.depth","gauge":{"dataPoints":[{"asDouble":3.5}]}},
               {"name":"gen_ai.client.operation.duration","histogram":{"aggregationTemporality":2,"dataPoints":[{"count":"2","sum":1.6,"bucketCounts":["0","2"],"explicitBounds":[1]}]}}]}]}]}
            """;
        using var engine = Http(OtlpGrpcFixture.Engine);
        using var response = await engine.PostAsync("v1/metrics", new StringContent(body, Encoding.UTF8, "application/json"), Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var partial = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token)).RootElement.GetProperty("partialSuccess");
        Assert.Equal("4", partial.GetProperty("rejectedDataPoints").GetString());
        Assert.Contains("does not store metrics", partial.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);

        using var malformed = await engine.PostAsync("v1/metrics", new StringContent("{\"resourceMetrics\":[{", Encoding.UTF8, "application/json"), Token);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("INVALID_INPUT", (await ErrorAsync(malformed)).GetProperty("code").GetString());
        using var text = await engine.PostAsync("v1/metrics", new StringContent(body, Encoding.UTF8, "text/plain"), Token);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);

        using var readOnly = Http(OtlpGrpcFixture.ReaderKey);
        using var refused = await readOnly.PostAsync("v1/metrics", new StringContent(body, Encoding.UTF8, "application/json"), Token);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("AUTHORIZATION_ERROR", (await ErrorAsync(refused)).GetProperty("code").GetString());
    }

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token)).RootElement.GetProperty("error").Clone();

    /// <summary>One metric of each of OTLP's five kinds: 2 gauge points, and one point of each of the others.</summary>
    private static ExportMetricsServiceRequest Export()
    {
        static MetricPoints Points(int count)
        {
            var points = new MetricPoints();
            for (var i = 0; i < count; i++)
            {
                points.DataPoints.Add(new DataPoint());
            }
            return points;
        }
        var scope = new ScopeMetrics();
        scope.Metrics.Add(new Metric { Name = "g", Gauge = Points(2) });
        scope.Metrics.Add(new Metric { Name = "s", Sum = Points(1) });
        scope.Metrics.Add(new Metric { Name = "h", Histogram = Points(1) });
        scope.Metrics.Add(new Metric { Name = "e", ExponentialHistogram = Points(1) });
        scope.Metrics.Add(new Metric { Name = "q", Summary = Points(1) });
        var resource = new ResourceMetrics();
        resource.ScopeMetrics.Add(scope);
        var request = new ExportMetricsServiceRequest();
        request.ResourceMetrics.Add(resource);
        return request;
    }
}
