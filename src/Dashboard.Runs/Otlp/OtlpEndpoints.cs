using Dashboard.Model.Errors;
using Dashboard.Model.Events;
using Dashboard.Model.Runs;
using Dashboard.Runs.Access;
using Dashboard.Runs.Api;
using Dashboard.Runs.Configuration;
using Dashboard.Runs.Ingestion;
using Dashboard.Runs.Otlp.Wire;
using Dashboard.Runs.Projections;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// OTLP/HTTP in: <c>POST /v1/traces</c> and <c>POST /v1/logs</c> (and <c>POST /v1/metrics</c>, answered by
/// <see cref="OtlpMetrics"/>), read here (format, size, scope) and done by
/// <see cref="OtlpExports"/>; the answer is in the request's own format.
/// </summary>
internal static class OtlpEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/traces", ExportTracesAsync).WithName("OtlpTraces").WithTags("OpenTelemetry")
            .WithSummary("OTLP/HTTP trace export (application/x-protobuf or application/json, gzip or not): each trace becomes a run, its spans its steps. Needs the ingest scope.");
        v1.MapPost("/logs", ExportLogsAsync).WithName("OtlpLogs").WithTags("OpenTelemetry")
            .WithSummary("OTLP/HTTP log export (application/x-protobuf or application/json, gzip or not): each record with a trace id becomes a log line of that trace's run, of the step its span became. Needs the ingest scope.");
        v1.MapPost("/metrics", ExportMetricsAsync).WithName("OtlpMetrics").WithTags("OpenTelemetry")
            .WithSummary("OTLP/HTTP metric export: read and answered as partial success with every data point rejected and the reason (metrics are not stored; runs are made from spans and log records). Needs the ingest scope.");
    }

    /// <summary>The export's message, or null once the answer (403, 415, 413 or 400 in the error envelope) is written.</summary>
    private static async Task<T?> ReadExportAsync<T>(HttpContext context, RunsOptions options, string what)
        where T : class, IMessage<T>, new()
    {
        var caller = Caller.Of(context);
        if (!caller.Can(Caller.IngestScope))
        {
            await ApiError.WriteAsync(context, 403, ErrorCodes.AuthorizationError, "This key may not report runs (it needs the ingest scope).");
            return null;
        }
        if (OtlpRequestReader.FormatOf(context.Request.ContentType) is not { } format)
        {
            await ApiError.WriteAsync(context, 415, ErrorCodes.InvalidInput, "Send the export as application/x-protobuf or application/json.");
            return null;
        }
        var (request, error, tooLarge) = await OtlpRequestReader.ReadAsync<T>(context.Request, format, options.MaxBatchBytes, what, context.RequestAborted);
        if (tooLarge)
        {
            await ApiError.WriteAsync(context, 413, ErrorCodes.InvalidInput, $"The export is over {options.MaxBatchBytes / (1024 * 1024)} MiB; export smaller batches.");
            return null;
        }
        if (request is null)
        {
            await ApiError.WriteAsync(context, 400, ErrorCodes.InvalidInput, error!);
            return null;
        }
        return request;
    }

    private static async Task ExportTracesAsync(HttpContext context, OtlpExports exports, IOptions<RunsOptions> options)
    {
        if (await ReadExportAsync<ExportTraceServiceRequest>(context, options.Value, "trace") is { } request)
        {
            await AnswerAsync(context, await exports.ExportTracesAsync(request, Caller.Of(context), context.RequestAborted));
        }
    }

    private static async Task ExportLogsAsync(HttpContext context, OtlpExports exports, IOptions<RunsOptions> options)
    {
        if (await ReadExportAsync<ExportLogsServiceRequest>(context, options.Value, "log") is { } request)
        {
            await AnswerAsync(context, await exports.ExportLogsAsync(request, Caller.Of(context), context.RequestAborted));
        }
    }

    private static async Task ExportMetricsAsync(HttpContext context, OtlpMetrics metrics, IOptions<RunsOptions> options)
    {
        if (await ReadExportAsync<ExportMetricsServiceRequest>(context, options.Value, "metric") is { } request)
        {
            await AnswerAsync(context, metrics.Export(request));
        }
    }

    private static async Task AnswerAsync(HttpContext context, IMessage response)
    {
        if (OtlpRequestReader.FormatOf(context.Request.ContentType) == OtlpRequestReader.Format.Protobuf)
        {
            context.Response.ContentType = "application/x-protobuf";
            await context.Response.Body.WriteAsync(response.ToByteArray(), context.RequestAborted);
        }
        else
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonFormatter.Default.Format(response), context.RequestAborted);
        }
    }
}
