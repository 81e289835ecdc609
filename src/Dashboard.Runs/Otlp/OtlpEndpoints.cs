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
/// OTLP/HTTP in. <c>POST /v1/traces</c>: each trace of the export becomes run events (<see cref="SpanMapping"/>),
/// ingested through the same path as an engine's batch. <c>POST /v1/logs</c>: each record that names a trace becomes a
/// log line of that trace's run, of the step its span became (<see cref="OtlpLogIntake"/>). What a run refuses is
/// reported back as partial success (counted, with the reason); the answer is in the request's own format.
/// </summary>
internal static partial class OtlpEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/traces", ExportTracesAsync).WithName("OtlpTraces").WithTags("OpenTelemetry")
            .WithSummary("OTLP/HTTP trace export (application/x-protobuf or application/json, gzip or not): each trace becomes a run, its spans its steps. Needs the ingest scope.");
        v1.MapPost("/logs", ExportLogsAsync).WithName("OtlpLogs").WithTags("OpenTelemetry")
            .WithSummary("OTLP/HTTP log export (application/x-protobuf or application/json, gzip or not): each record with a trace id becomes a log line of that trace's run, of the step its span became. Needs the ingest scope.");
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

    private static async Task ExportTracesAsync(HttpContext context, RunIngestion ingestion, RunQueries queries, OtlpTraceIndex index, OtlpLogIntake logs,
        IOptions<RunsOptions> options, ILoggerFactory loggers)
    {
        if (await ReadExportAsync<ExportTraceServiceRequest>(context, options.Value, "trace") is not { } request)
        {
            return;
        }
        var caller = Caller.Of(context);

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
            var runId = SpanMapping.RunIdOf(traceSpans);
            if (runId != trace.Key)
            {
                index.RememberRun(trace.Key, runId);
            }
            else
            {
                runId = index.RunOf(trace.Key);
            }
            if (!Ids.IsValid(runId))
            {
                rejected += traceSpans.Count;
                problems.Add($"trace {trace.Key}: run.id {Ids.Problem(runId)}");
                continue;
            }
            using var traceLock = await logs.LockTracesAsync([trace.Key], context.RequestAborted);
            var started = queries.Find(runId) is not null;
            var runContext = new SpanMapping.RunContext(started, started ? queries.HighestAttempts(runId) : new());
            var rootSpan = traceSpans.FirstOrDefault(s => s.IsRoot)?.SpanId;
            // Log records that came before these spans go in with them.
            var join = logs.Join(trace.Key, runId, caller, SpanMapping.Map(traceSpans, runContext, options.Value.ModelPrices), rootSpan);
            var outcome = await ingestion.IngestAsync(runId, join.Events, null, caller, context.RequestAborted);
            if (!outcome.Succeeded)
            {
                logs.Refused(join);
                rejected += traceSpans.Count;
                problems.Add($"trace {trace.Key} (run {runId}): {outcome.Message}");
                continue;
            }
            logs.Stored(trace.Key, runId, join, rootSpan);
        }

        var response = new ExportTraceServiceResponse();
        if (rejected > 0)
        {
            // An exporter does not show what the service answered: the reason is in the service's log as well.
            LogRejected(loggers.CreateLogger(typeof(OtlpEndpoints)), rejected, "span", string.Join("; ", problems.Take(5)));
            response.PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = rejected, ErrorMessage = string.Join("; ", problems.Take(5)) };
        }
        await AnswerAsync(context, response);
    }

    private static async Task ExportLogsAsync(HttpContext context, OtlpLogIntake intake, IOptions<RunsOptions> options, TimeProvider time, ILoggerFactory loggers)
    {
        if (await ReadExportAsync<ExportLogsServiceRequest>(context, options.Value, "log") is not { } request)
        {
            return;
        }
        var (records, withoutTrace) = OtlpLogRecord.Flatten(request, time.GetUtcNow());
        var outcome = await intake.AcceptAsync(records, Caller.Of(context), context.RequestAborted);
        var rejected = withoutTrace + outcome.Rejected;
        var problems = (withoutTrace > 0 ? [$"{withoutTrace} record(s) without a trace id: a log line joins a run through its trace"] : new List<string>()).Concat(outcome.Problems).Take(5);
        var response = new ExportLogsServiceResponse();
        if (rejected > 0)
        {
            var message = string.Join("; ", problems);
            LogRejected(loggers.CreateLogger(typeof(OtlpEndpoints)), rejected, "log record", message);
            response.PartialSuccess = new ExportLogsPartialSuccess { RejectedLogRecords = rejected, ErrorMessage = message };
        }
        await AnswerAsync(context, response);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP export: {Rejected} {What}(s) rejected: {Reasons}")]
    private static partial void LogRejected(ILogger logger, long rejected, string what, string reasons);
}
