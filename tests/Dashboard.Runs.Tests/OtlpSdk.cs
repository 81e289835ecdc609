using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Dashboard.Runs.Tests;

/// <summary>The OpenTelemetry .NET SDK pointed at a runs service, as an instrumented application would be.</summary>
internal static class OtlpSdk
{
    /// <summary>A tracer that exports to the service: each span on its end (simple), or the whole trace on a flush (batch).</summary>
    public static (ActivitySource Source, TracerProvider Provider) Tracer(Uri service, bool eachSpan, string serviceName, KeyValuePair<string, object>[] resource)
    {
        var source = new ActivitySource("otlp-tests-" + Guid.NewGuid().ToString("N"));
        var provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(source.Name)
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(serviceName).AddAttributes(resource))
            .AddOtlpExporter(options =>
            {
                options.Endpoint = new Uri(service, "v1/traces");
                options.Protocol = OtlpExportProtocol.HttpProtobuf;
                options.ExportProcessorType = eachSpan ? ExportProcessorType.Simple : ExportProcessorType.Batch;
            })
            .Build();
        return (source, provider);
    }
}
