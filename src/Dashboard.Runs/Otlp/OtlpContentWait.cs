using System.Collections.Concurrent;
using Dashboard.Runs.Configuration;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// A model call's span waits a moment for its prompt and answer. An SDK exports spans and log records on timers of
/// their own, so the GenAI content events of a call (<see cref="GenAiContent"/>) and the call's span often leave in
/// the same tick, and either may reach the service first; a span stored first became a step without its messages, and
/// its events then only log lines. So a trace export holding a model call's span with no content of its own, from a
/// service that has sent content events before (capturing content is opt-in, and most services never send any),
/// first waits up to <c>Runs:OtlpContentWaitMs</c> for those events to be held (<see cref="OtlpLogHold"/>), then goes on
/// as before: the events join the span in the trace's batch. The export is answered after it, which an exporter
/// (exporting in the background) does not notice.
/// </summary>
internal sealed partial class OtlpContentWait(OtlpLogHold hold, IOptions<RunsOptions> options, ILogger<OtlpContentWait> logger)
{
    // Enough for every service of a large fleet; past it, new services just do not wait.
    private const int ServicesKept = 10_000;

    private readonly ConcurrentDictionary<string, byte> _senders = new(StringComparer.Ordinal);

    /// <summary>Remembers the services that sent content events among these records.</summary>
    public void Learn(IEnumerable<OtlpLogRecord> records)
    {
        foreach (var record in records)
        {
            if (GenAiContent.IsContent(record) && _senders.Count < ServicesKept)
            {
                _senders.TryAdd(record.ServiceName ?? "", 0);
            }
        }
    }

    /// <summary>Before a trace export is stored: until the content of its model calls is held, or the wait is up.</summary>
    public async Task BeforeStoringAsync(IReadOnlyList<OtlpSpan> spans, CancellationToken cancellationToken)
    {
        var wait = TimeSpan.FromMilliseconds(Math.Max(0, options.Value.OtlpContentWaitMs));
        if (wait == TimeSpan.Zero || _senders.IsEmpty)
        {
            return;
        }
        var awaited = spans.Where(s => _senders.ContainsKey(s.ServiceName ?? "") && GenAiContent.LacksContent(s)).GroupBy(s => s.TraceId).ToList();
        if (awaited.Count == 0)
        {
            return;
        }
        await Task.WhenAll(awaited.Select(async trace =>
        {
            var spanIds = trace.Select(s => s.SpanId).ToList();
            LogWaiting(logger, spanIds.Count, trace.Key, wait.TotalMilliseconds);
            if (!await hold.WaitForAsync(trace.Key, spanIds, GenAiContent.IsContent, wait, cancellationToken))
            {
                LogNotCome(logger, trace.Key);
            }
        }));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "OTLP trace {TraceId}: waiting up to {Ms} ms for the content events of {Count} model call span(s)")]
    private static partial void LogWaiting(ILogger logger, int count, string traceId, double ms);

    [LoggerMessage(Level = LogLevel.Debug, Message = "OTLP trace {TraceId}: content events of its model calls did not come in time; stored without them")]
    private static partial void LogNotCome(ILogger logger, string traceId);
}
