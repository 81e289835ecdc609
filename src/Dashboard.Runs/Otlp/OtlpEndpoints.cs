using System.Collections.Concurrent;
using System.Text.Json;
using Dashboard.Model.Errors;
using Dashboard.Model.Events;
using Dashboard.Model.Json;
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
/// <c>POST /v1/traces</c>, OTLP/HTTP: each trace of the export becomes run events (<see cref="SpanMapping"/>), ingested
/// through the same path as an engine's batch. A trace the run refuses is reported back as partial success (its spans
/// rejected, with the reason); the answer is in the request's own format.
/// </summary>
internal static partial class OtlpEndpoints
{
    // The run of a trace whose later exports do not repeat run.id; bounded, as a long-running service sees many traces.
    private static readonly ConcurrentDictionary<string, string> RunOfTrace = new(StringComparer.Ordinal);
    private const int RememberedTraces = 100_000;

    public static void Map(RouteGroupBuilder v1) =>
        v1.MapPost("/traces", ExportAsync).WithName("OtlpTraces").WithTags("OpenTelemetry")
            .WithSummary("OTLP/HTTP trace export (application/x-protobuf or application/json, gzip or not): each trace becomes a run, its spans its steps. Needs the ingest scope.");

    private static async Task ExportAsync(HttpContext context, RunIngestion ingestion, RunQueries queries, IOptions<RunsOptions> options, ILoggerFactory loggers)
    {
        var caller = Caller.Of(context);
        if (!caller.Can(Caller.IngestScope))
        {
            await ApiError.WriteAsync(context, 403, ErrorCodes.AuthorizationError, "This key may not report runs (it needs the ingest scope).");
            return;
        }
        if (OtlpRequestReader.FormatOf(context.Request.ContentType) is not { } format)
        {
            await ApiError.WriteAsync(context, 415, ErrorCodes.InvalidInput, "Send the export as application/x-protobuf or application/json.");
            return;
        }
        var (request, error, tooLarge) = await OtlpRequestReader.ReadAsync(context.Request, format, options.Value.MaxBatchBytes, context.RequestAborted);
        if (tooLarge)
        {
            await ApiError.WriteAsync(context, 413, ErrorCodes.InvalidInput, $"The export is over {options.Value.MaxBatchBytes / (1024 * 1024)} MiB; export smaller batches.");
            return;
        }
        if (request is null)
        {
            await ApiError.WriteAsync(context, 400, ErrorCodes.InvalidInput, error!);
            return;
        }

        var (spans, invalid) = OtlpSpan.Flatten(request);
        var rejected = (long)invalid;
        var problems = new List<string>();
        if (invalid > 0)
        {
            problems.Add($"{invalid} span(s) without a valid trace or span id");
        }
        foreach (var trace in spans.GroupBy(s => s.TraceId))
        {
            var traceSpans = trace.ToList();
            var runId = RunIdFor(trace.Key, traceSpans);
            if (!Ids.IsValid(runId))
            {
                rejected += traceSpans.Count;
                problems.Add($"trace {trace.Key}: run.id {Ids.Problem(runId)}");
                continue;
            }
            var started = queries.Find(runId) is not null;
            var runContext = new SpanMapping.RunContext(started, started ? queries.HighestAttempts(runId) : new());
            var events = SpanMapping.Map(traceSpans, runContext, options.Value.ModelPrices);
            var body = JsonSerializer.SerializeToUtf8Bytes<IReadOnlyList<RunEvent>>(events, ModelJson.Options);
            var outcome = await ingestion.IngestAsync(runId, body, null, caller, context.RequestAborted);
            if (!outcome.Succeeded)
            {
                rejected += traceSpans.Count;
                problems.Add($"trace {trace.Key} (run {runId}): {outcome.Message}");
            }
        }

        var response = new ExportTraceServiceResponse();
        if (rejected > 0)
        {
            // An exporter does not show what the service answered: the reason is in the service's log as well.
            LogRejected(loggers.CreateLogger(typeof(OtlpEndpoints)), rejected, string.Join("; ", problems.Take(5)));
            response.PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = rejected, ErrorMessage = string.Join("; ", problems.Take(5)) };
        }
        if (format == OtlpRequestReader.Format.Protobuf)
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

    private static string RunIdFor(string traceId, List<OtlpSpan> spans)
    {
        var named = SpanMapping.RunIdOf(spans);
        if (named != traceId)
        {
            if (RunOfTrace.Count > RememberedTraces)
            {
                RunOfTrace.Clear();
            }
            RunOfTrace[traceId] = named;
            return named;
        }
        return RunOfTrace.TryGetValue(traceId, out var remembered) ? remembered : traceId;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP export: {Rejected} span(s) rejected: {Reasons}")]
    private static partial void LogRejected(ILogger logger, long rejected, string reasons);
}
