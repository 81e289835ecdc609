using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Dashboard.Runs.Tests;

/// <summary>
/// OTLP/gRPC in, on each store: the OpenTelemetry .NET SDK's exporters with their default protocol (gRPC) make the same
/// run, steps and log lines as over HTTP.
/// </summary>
public abstract class OtlpGrpcSdkTests(OtlpGrpcFixture fixture)
{
    [Fact]
    public async Task TheSdksGrpcExporters_MakeTheRun_WithItsLogLinesOnTheirSteps()
    {
        // As an SDK's default names it (http://localhost:4317): by name, not by address.
        var endpoint = new UriBuilder(OtlpGrpc.Address(fixture.Service)) { Host = "localhost" }.Uri;
        var headers = "Authorization=Bearer " + OtlpGrpcFixture.Engine;
        var source = new ActivitySource("otlp-grpc-tests-" + Guid.NewGuid().ToString("N"));
        using var provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(source.Name)
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("grpc-agent"))
            .AddOtlpExporter(options =>
            {
                options.Endpoint = endpoint;
                options.Protocol = OtlpExportProtocol.Grpc;
                options.Headers = headers;
                options.ExportProcessorType = ExportProcessorType.Batch;
            })
            .Build();
        using var loggers = LoggerFactory.Create(builder => builder.AddOpenTelemetry(options =>
        {
            options.SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("grpc-agent"));
            options.AddOtlpExporter((exporter, processor) =>
            {
                exporter.Endpoint = endpoint;
                exporter.Protocol = OtlpExportProtocol.Grpc;
                exporter.Headers = headers;
                processor.ExportProcessorType = ExportProcessorType.Simple;
            });
        }));
        var logger = loggers.CreateLogger("agent");

        string traceId;
        using (var root = source.StartActivity("triage-flow")!)
        {
            traceId = root.TraceId.ToHexString();
            using (var step = source.StartActivity("lookup")!)
            {
                step.SetTag("gen_ai.usage.input_tokens", 120);
                logger.LogWarning("retrying {Url}", "https://orders.example/7");
            }
            logger.LogInformation("done");
        }
        // The records went as they were written, before the spans: they wait for them.
        Assert.True(provider.ForceFlush(10_000));

        using var reader = fixture.Reader();
        var run = await reader.GetEndedRunAsync(traceId);
        Assert.Equal(("completed", "triage-flow"), (run.GetProperty("status").GetString(), run.GetProperty("workflowId").GetString()));
        var lines = (await reader.GetJsonAsync($"api/runs/{traceId}/logs")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["retrying https://orders.example/7", "done"], lines.Select(l => l.GetProperty("message").GetString()));
        Assert.Equal(("lookup", "warn"), (lines[0].GetProperty("stepId").GetString(), lines[0].GetProperty("level").GetString()));
        Assert.False(lines[1].TryGetProperty("stepId", out _));
    }
}

public sealed class SqliteOtlpGrpcSdkTests(OtlpGrpcFixture fixture) : OtlpGrpcSdkTests(fixture), IClassFixture<OtlpGrpcFixture>;
public sealed class PostgreSqlOtlpGrpcSdkTests(PostgreSqlOtlpGrpcFixture fixture) : OtlpGrpcSdkTests(fixture), IClassFixture<PostgreSqlOtlpGrpcFixture>;
