using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Dashboard.Services.SampleWorkload;

/// <summary>
/// The sample's OpenTelemetry side: an instrumented agent whose spans the OpenTelemetry SDK exports to the runs
/// service's <c>/v1/traces</c> (OTLP/HTTP, protobuf), as a team with an existing exporter would point it at the dashboard.
/// Each span is exported as it ends, so a run shows while it goes on. Its log lines go to <c>/v1/logs</c> as they are
/// written, before the spans they were written in: the service holds them until those spans come.
/// </summary>
internal sealed class SampleTracer : IDisposable
{
    public const string SourceName = "Dashboard.Sample.ResearchAgent";

    private readonly TracerProvider _provider;
    private readonly ILoggerFactory _loggers;

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
        _loggers = LoggerFactory.Create(builder => builder.AddOpenTelemetry(options =>
        {
            options.SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("sample-research-agent"));
            options.AddOtlpExporter((exporter, processor) =>
            {
                exporter.Endpoint = new Uri(serviceAddress, "v1/logs");
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                processor.ExportProcessorType = ExportProcessorType.Simple;
                if (apiKey is not null)
                {
                    exporter.Headers = $"Authorization=Bearer {apiKey}";
                }
            });
        }));
        Log = _loggers.CreateLogger("ResearchAgent");
    }

    public ActivitySource Source { get; }

    /// <summary>The agent's logger: each line carries the trace and span it was written in.</summary>
    public ILogger Log { get; }

    public void Dispose()
    {
        _loggers.Dispose();
        _provider.Dispose();
        Source.Dispose();
    }
}
