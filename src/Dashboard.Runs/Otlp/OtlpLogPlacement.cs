using Dashboard.Model.Events;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// Where a run's OTLP log records go. A record naming a span that became a step is a line of that step (its attempt
/// and loop iteration); one naming the run's own span, or no span, a line of the run. One naming a span not known
/// yet waits for it (an SDK exports its logs sooner than its spans, and a span only when it ends), unless
/// <c>placeAll</c> says it can wait no longer: then it is a line of the run, which keeps the span's id. Pure.
/// </summary>
internal static class OtlpLogPlacement
{
    /// <param name="stepOfSpan">The step a span (trace id, span id) became, if known.</param>
    public static (List<LogEvent> Events, List<OtlpLogRecord> Waiting) Place(
        IEnumerable<OtlpLogRecord> records,
        Func<string, string, OtlpTraceIndex.SpanStep?> stepOfSpan,
        IReadOnlySet<string> runSpans,
        bool placeAll)
    {
        var events = new List<LogEvent>();
        var waiting = new List<OtlpLogRecord>();
        // In the order they happened, whichever export brought them.
        foreach (var record in records.OrderBy(r => r.At))
        {
            if (record.SpanId is null || runSpans.Contains(record.SpanId))
            {
                events.Add(record.ToEvent(null));
            }
            else if (stepOfSpan(record.TraceId, record.SpanId) is { } step)
            {
                events.Add(record.ToEvent(step));
            }
            else if (placeAll)
            {
                events.Add(record.ToEvent(null, keepSpan: true));
            }
            else
            {
                waiting.Add(record);
            }
        }
        return (events, waiting);
    }

    /// <summary>The events with the log lines put before the run's end (nothing may follow it), or after the rest.</summary>
    public static List<RunEvent> Insert(List<RunEvent> events, IReadOnlyCollection<LogEvent> logs)
    {
        if (logs.Count == 0)
        {
            return events;
        }
        var at = events.Count > 0 && events[^1] is TerminalRunEvent ? events.Count - 1 : events.Count;
        var result = new List<RunEvent>(events.Count + logs.Count);
        result.AddRange(events.Take(at));
        result.AddRange(logs);
        result.AddRange(events.Skip(at));
        return result;
    }
}
