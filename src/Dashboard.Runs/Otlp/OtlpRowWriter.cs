using System.Data.Common;
using Dashboard.Runs.Storage;
using static Dashboard.Runs.Storage.StatementCache;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// Stores a batch's <see cref="OtlpRows"/> in its transaction (deleting the offers of the log records it holds); once the run
/// has ended, lets go of its held end and its spans.
/// </summary>
internal static class OtlpRowWriter
{
    private const string SpanSql = """
        INSERT INTO otlp_spans (trace_id, span_id, run_id, step_id, attempt, loop_index) VALUES (@trace, @span, @run, @step, @attempt, @loop)
        ON CONFLICT (trace_id, span_id) DO NOTHING
        """;

    // The first end held stays: a trace sent again (an exporter's retry) does not put it further off.
    private const string EndSql = """
        INSERT INTO otlp_run_ends (run_id, trace_id, due_at, caller, root_span, event_json) VALUES (@run, @trace, @due, @caller, @root, @event)
        ON CONFLICT (run_id) DO NOTHING
        """;

    public const string ReleaseSql = "DELETE FROM otlp_run_ends WHERE run_id = @run";

    // A run that has ended takes no more log lines, so its spans need no finding: the table holds open runs' spans only.
    private const string ForgetSpansSql = "DELETE FROM otlp_spans WHERE run_id = @run";

    // A log record's offer, gone with the append that holds the record (OfferState.Taken).
    private const string UsedOfferSql = "DELETE FROM otlp_content_offers WHERE record_key = @key";

    public static void Write(StatementCache statements, DbTransaction transaction, string runId, OtlpRows? rows, bool runEnded)
    {
        if (rows is { UsedOffers.Count: > 0 })
        {
            var used = statements.For(transaction, UsedOfferSql);
            foreach (var key in rows.UsedOffers)
            {
                Set(used, "key", key);
                statements.Execute(used);
            }
        }
        if (runEnded)
        {
            // However the run ended (its held end appended, an engine's or a user's cancel): nothing is left to end it.
            var release = statements.For(transaction, ReleaseSql);
            Set(release, "run", runId);
            statements.Execute(release);
            var forget = statements.For(transaction, ForgetSpansSql);
            Set(forget, "run", runId);
            statements.Execute(forget);
        }
        if (rows is null)
        {
            return;
        }
        if (rows.Spans.Count > 0 && !runEnded)
        {
            var insert = statements.For(transaction, SpanSql);
            foreach (var (span, step) in rows.Spans)
            {
                Set(insert, "trace", rows.TraceId);
                Set(insert, "span", span);
                Set(insert, "run", step.RunId);
                Set(insert, "step", step.StepId);
                Set(insert, "attempt", step.Attempt);
                Set(insert, "loop", step.LoopIndex);
                statements.Execute(insert);
            }
        }
        if (rows.End is { } end && !runEnded)
        {
            var hold = statements.For(transaction, EndSql);
            Set(hold, "run", runId);
            Set(hold, "trace", rows.TraceId);
            Set(hold, "due", end.DueAt.ToUnixTimeMilliseconds());
            Set(hold, "caller", end.Caller);
            Set(hold, "root", end.RootSpan);
            Set(hold, "event", end.EventJson);
            statements.Execute(hold);
        }
    }
}
