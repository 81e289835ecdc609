using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Dashboard.Services.SampleWorkload;

/// <summary>
/// The sample's OpenTelemetry side: an instrumented agent whose spans the OpenTelemetry SDK exports to the runs
/// service's <c>/v1/traces</c> (OTLP/HTTP, protobuf), as a team with an existing exporter would point it at the dashboard.
/// Each span is exported as it ends, so a run shows while it goes on.
/// </summary>
internal sealed class SampleTracer : IDisposable
{
    public const string SourceName = "Dashboard.Sample.ResearchAgent";

    private readonly TracerProvider _provider;

    public SampleTracer(Uri serviceAddress, string? apiKey)
    {
        Source = new ActivitySource(SourceName);
        _provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(SourceName)
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("sample-research-agent"))
            .AddOtlpExporter(options =>
            {
                options.Endpoint = new Uri(serviceAddress, "v1/traces");
                options.Protocol = OtlpExportProtocol.HttpProtobuf;
                options.ExportProcessorType = ExportProcessorType.Simple;
                if (apiKey is not null)
                {
                    options.Headers = $"Authorization=Bearer {apiKey}";
                }
            })
            .Build();
    }

    public ActivitySource Source { get; }

    public void Dispose()
    {
        _provider.Dispose();
        Source.Dispose();
    }
}
