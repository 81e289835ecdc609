using Dashboard.Model.Events;
using Dashboard.Model.Runs;
using Dashboard.Runs.Access;
using Dashboard.Runs.Configuration;
using Dashboard.Runs.Ingestion;
using Dashboard.Runs.Otlp.Wire;
using Dashboard.Runs.Projections;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// What an OTLP export does once read, whichever transport brought it (OTLP/HTTP in <see cref="OtlpEndpoints"/>,
/// OTLP/gRPC in <see cref="OtlpGrpcServices"/>): each trace becomes run events (<see cref="SpanMapping"/>), ingested
/// through the same path as an engine's batch; each log record that names a trace becomes a log line of that trace's
/// run (<see cref="OtlpLogIntake"/>). What a run refuses is answered as partial success (counted, with the reason).
/// </summary>
internal sealed partial class OtlpExports(RunIngestion ingestion, RunQueries queries, OtlpTraceIndex index, OtlpLogIntake logs, OtlpContentWait content,
    OtlpRunEnds ends, OtlpStore store, IOptions<RunsOptions> options, TimeProvider time, ILogger<OtlpExports> logger)
{
    internal async Task<ExportTraceServiceResponse> ExportTracesAsync(ExportTraceServiceRequest request, Caller caller, CancellationToken cancellationToken)
    {
        var (spans, invalid) = OtlpSpan.Flatten(request);
        var rejected = (long)invalid;
        var problems = new List<string>();
        if (invalid > 0)
        {
            problems.Add($"{invalid} span(s) without a valid trace or span id");
        }
        // Outside the traces' locks, which the content's log export takes to be held.
        await content.BeforeStoringAsync(spans, cancellationToken);
        foreach (var trace in spans.GroupBy(s => s.TraceId))
        {
            var traceSpans = trace.ToList();
            // Under the trace's lock: two exports of one trace at once choose its run one after the other.
            using var traceLock = await logs.LockTracesAsync([trace.Key], cancellationToken);
            var runId = RunOfTrace(trace.Key, SpanMapping.RunIdOf(traceSpans), traceSpans.Any(s => s.IsRoot));
            if (Ids.ProblemOfNew(runId) is { } idProblem)
            {
                rejected += traceSpans.Count;
                problems.Add($"trace {trace.Key}: run.id {idProblem}");
                continue;
            }
            index.RememberRun(trace.Key, runId);
            var started = queries.Find(runId) is not null;
            var runContext = new SpanMapping.RunContext(started, started ? queries.HighestAttempts(runId) : new());
            var root = traceSpans.FirstOrDefault(s => s.IsRoot);
            var rootSpan = root?.SpanId;
            var mapped = SpanMapping.Map(traceSpans, runContext, options.Value.ModelPrices);
            // The run's end waits for the log records its service sends late (OtlpRunEnds); the rest goes in now.
            var held = mapped is [.., TerminalRunEvent end]
                ? ends.Hold(end, root?.ServiceName ?? traceSpans.Select(s => s.ServiceName).FirstOrDefault(n => n is not null), caller, rootSpan)
                : null;
            if (held is not null)
            {
                mapped.RemoveAt(mapped.Count - 1);
            }
            // Log records that came before these spans go in with them.
            var join = logs.Join(trace.Key, runId, caller, mapped, rootSpan);
            var rows = new OtlpRows(trace.Key, OtlpLogIntake.SpansOf(runId, join.Events, rootSpan), held) { UsedOffers = join.UsedOffers };
            if (join.Events.Count == 0)
            {
                // Only the root's end came, and it is held: nothing to append yet.
                store.Write(runId, rows);
                logs.Stored(trace.Key, runId, join, rootSpan);
                continue;
            }
            var outcome = await ingestion.IngestAsync(runId, join.Events, null, caller, cancellationToken, rows);
            if (!outcome.Succeeded)
            {
                logs.Refused(join);
                rejected += traceSpans.Count;
                problems.Add($"trace {trace.Key} (run {runId}): {outcome.Message}");
                continue;
            }
            logs.Stored(trace.Key, runId, join, rootSpan, outcome);
        }

        var response = new ExportTraceServiceResponse();
        if (rejected > 0)
        {
            var message = string.Join("; ", problems.Take(5));
            // An exporter does not show what the service answered: the reason is in the service's log as well.
            LogRejected(logger, rejected, "span", message);
            response.PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = rejected, ErrorMessage = message };
        }
        return response;
    }

    /// <summary>
    /// The run a trace's spans go to: the <c>run.id</c> they name, else the run its earlier spans went to, else the trace
    /// id. But a <c>run.id</c> on the root span alone, after the children made the trace id's run, does not move the
    /// trace: SDKs export a span when it ends, so the root (where <c>run.id</c> is often set) comes last, and sending it
    /// elsewhere left the trace id's run open for ever without its end, and the named one without its steps. Only the
    /// root's export: spans of another service in the trace that name their own run (no root among them) still make it.
    /// The store answers for traces this instance has not seen (a restart).
    /// </summary>
    private string RunOfTrace(string traceId, string named, bool hasRoot)
    {
        var known = index.KnownRunOf(traceId);
        if (named == traceId)
        {
            return known ?? traceId;
        }
        if (hasRoot && (known == traceId || known is null && queries.FindRecord(traceId) is { } made && !made.Status.IsTerminal()))
        {
            LogRunIdAfterItsTrace(logger, traceId, named);
            return traceId;
        }
        return named;
    }

    internal async Task<ExportLogsServiceResponse> ExportLogsAsync(ExportLogsServiceRequest request, Caller caller, CancellationToken cancellationToken)
    {
        var (records, withoutTrace) = OtlpLogRecord.Flatten(request, time.GetUtcNow());
        content.Learn(records);
        ends.Learn(records);
        var outcome = await logs.AcceptAsync(records, caller, cancellationToken);
        var rejected = withoutTrace + outcome.Rejected;
        var problems = (withoutTrace > 0 ? [$"{withoutTrace} record(s) without a trace id: a log line joins a run through its trace"] : new List<string>()).Concat(outcome.Problems).Take(5);
        var response = new ExportLogsServiceResponse();
        if (rejected > 0)
        {
            var message = string.Join("; ", problems);
            LogRejected(logger, rejected, "log record", message);
            response.PartialSuccess = new ExportLogsPartialSuccess { RejectedLogRecords = rejected, ErrorMessage = message };
        }
        return response;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP trace {TraceId}: run.id {Named} came on the root span after its children made the run {TraceId}; the trace stays in that run (set run.id on every span or on the resource)")]
    private static partial void LogRunIdAfterItsTrace(ILogger logger, string traceId, string named);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP export: {Rejected} {What}(s) rejected: {Reasons}")]
    private static partial void LogRejected(ILogger logger, long rejected, string what, string reasons);
}
