using Dashboard.Runs.Access;
using Dashboard.Runs.Otlp.Wire;
using Grpc.Core;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// OTLP/gRPC in: the collector's <c>TraceService/Export</c> and <c>LogsService/Export</c> (and <c>MetricsService/Export</c>, answered by <see cref="OtlpMetrics"/>), the transport an SDK uses
/// by default (the .NET exporter's <c>http://localhost:4317</c>). Same keys, scope and rate as OTLP/HTTP (the key in
/// the <c>authorization</c> metadata, set with <c>OTEL_EXPORTER_OTLP_HEADERS</c>); refusals as gRPC statuses.
/// </summary>
internal static class OtlpGrpcServices
{
    public sealed class Traces(OtlpExports exports, AccessCheck access) : TraceService.TraceServiceBase
    {
        public override async Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context) =>
            await exports.ExportTracesAsync(request, await IngestingCallerAsync(access, context), context.CancellationToken);
    }

    public sealed class Logs(OtlpExports exports, AccessCheck access) : LogsService.LogsServiceBase
    {
        public override async Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context) =>
            await exports.ExportLogsAsync(request, await IngestingCallerAsync(access, context), context.CancellationToken);
    }

    public sealed class Metrics(OtlpMetrics metrics, AccessCheck access) : MetricsService.MetricsServiceBase
    {
        public override async Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
        {
            // Keys and rate as for the other signals: a metric export is no way round either.
            await IngestingCallerAsync(access, context);
            return metrics.Export(request);
        }
    }

    private static async Task<Caller> IngestingCallerAsync(AccessCheck access, ServerCallContext context)
    {
        var (caller, refusal) = await access.CheckAsync(context.GetHttpContext(), Caller.IngestScope,
            "This key may not report runs (it needs the ingest scope).", context.CancellationToken);
        if (refusal is not null)
        {
            // OTLP's rules: over the rate is RESOURCE_EXHAUSTED (the delay also in a retry-after trailer); an exporter
            // does not retry the others, which a second try would not change.
            var status = refusal.Status switch
            {
                401 => StatusCode.Unauthenticated,
                403 => StatusCode.PermissionDenied,
                429 => StatusCode.ResourceExhausted,
                _ => StatusCode.InvalidArgument,
            };
            var trailers = new Metadata();
            if (refusal.RetryAfter is { } retryAfter)
            {
                trailers.Add("retry-after", Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            throw new RpcException(new Grpc.Core.Status(status, refusal.Message), trailers);
        }
        return caller!;
    }
}
