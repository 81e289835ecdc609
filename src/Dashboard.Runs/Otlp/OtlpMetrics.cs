using System.Collections.Concurrent;
using Dashboard.Runs.Otlp.Wire;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// OTLP metrics in, answered and not stored. An SDK set up with one endpoint for every signal (.NET's
/// <c>UseOtlpExporter()</c>, <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) exports metrics beside its spans and logs; a 404 or an
/// unimplemented service would fail each of its exports and fill the service's own log with errors. Each export is
/// answered as OTLP's partial success instead: every data point counted as rejected, with the reason, which an
/// exporter does not retry. The first export from each service is a warning in this service's log (once), so an operator
/// sees who sends metrics here.
/// </summary>
internal sealed partial class OtlpMetrics(ILogger<OtlpMetrics> logger)
{
    internal const string NotStored = "This dashboard does not store metrics: a run, its steps, tokens and cost are made from spans (/v1/traces) and its log lines from log records (/v1/logs). Send metrics to a collector or a metrics backend, or turn this exporter's metrics off.";

    // Bounded: service names come from callers, and one log line per service is all this is for.
    private const int MaxServicesRemembered = 1_000;
    private readonly ConcurrentDictionary<string, bool> _servicesSeen = new(StringComparer.Ordinal);

    public ExportMetricsServiceResponse Export(ExportMetricsServiceRequest request)
    {
        long points = 0;
        foreach (var resource in request.ResourceMetrics)
        {
            var resourcePoints = resource.ScopeMetrics.SelectMany(s => s.Metrics).Sum(m => (long)(PointsOf(m)?.DataPoints.Count ?? 0));
            points += resourcePoints;
            if (resourcePoints > 0)
            {
                NoteService(ServiceOf(resource));
            }
        }
        var response = new ExportMetricsServiceResponse();
        if (points > 0)
        {
            response.PartialSuccess = new ExportMetricsPartialSuccess { RejectedDataPoints = points, ErrorMessage = NotStored };
        }
        return response;
    }

    private static MetricPoints? PointsOf(Metric metric) => metric.DataCase switch
    {
        Metric.DataOneofCase.Gauge => metric.Gauge,
        Metric.DataOneofCase.Sum => metric.Sum,
        Metric.DataOneofCase.Histogram => metric.Histogram,
        Metric.DataOneofCase.ExponentialHistogram => metric.ExponentialHistogram,
        Metric.DataOneofCase.Summary => metric.Summary,
        _ => null,
    };

    private static string ServiceOf(ResourceMetrics resource) =>
        resource.Resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value is { ValueCase: AnyValue.ValueOneofCase.StringValue } name
            ? name.StringValue
            : "(no service.name)";

    private void NoteService(string service)
    {
        if (_servicesSeen.Count < MaxServicesRemembered && _servicesSeen.TryAdd(service, true))
        {
            LogMetricsRefused(logger, service);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {Service} exports OTLP metrics here; they are answered as rejected (not stored): runs are made from spans and log records.")]
    private static partial void LogMetricsRefused(ILogger logger, string service);
}
