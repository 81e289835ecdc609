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
/// (exporting in the background) does not notice, unless it waits every time: an exporter sends one batch at a time,
/// so a service whose content does not come (sent elsewhere, or not for every call) has its waits stopped for a while
/// after a few in a row came to nothing. With a store (<paramref name="offers"/>, <paramref name="store"/>), the content
/// and the knowledge of who sends it are every instance's: events another instance took are claimed from its offers
/// while this one waits, and a service that sent content to any instance is waited for by all.
/// </summary>
internal sealed partial class OtlpContentWait(OtlpLogHold hold, IOptions<RunsOptions> options, TimeProvider time, ILogger<OtlpContentWait> logger,
    OtlpContentOffers? offers = null, OtlpStore? store = null)
{
    // Enough for every service of a large fleet; past it, new services just do not wait.
    private const int ServicesKept = 10_000;
    private const int MissesBeforePause = 3;
    private static readonly TimeSpan Pause = TimeSpan.FromMinutes(1);

    /// <summary>A service that sends content: its waits that came to nothing in a row, and until when it is not waited for.</summary>
    private sealed class Sender
    {
        public int Misses;
        public DateTimeOffset PausedUntil;
    }

    private readonly ConcurrentDictionary<string, Sender> _senders = new(StringComparer.Ordinal);
    // Services the store said sent no content, and when it said so: asked again after a while, not at every export.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _notSending = new(StringComparer.Ordinal);
    private static readonly TimeSpan AskAgainAfter = TimeSpan.FromSeconds(30);
    // How often a wait looks in the other instances' offers for what its own hold has not had.
    private static readonly TimeSpan OffersPoll = TimeSpan.FromMilliseconds(100);

    /// <summary>Remembers the services that sent content events among these records.</summary>
    public void Learn(IEnumerable<OtlpLogRecord> records)
    {
        foreach (var record in records)
        {
            if (GenAiContent.IsContent(record) && _senders.Count < ServicesKept && _senders.TryAdd(record.ServiceName ?? "", new Sender()))
            {
                store?.RememberContentService(record.ServiceName ?? "");
            }
        }
    }

    /// <summary>Before a trace export is stored: until the content of its model calls is held, or the wait is up.</summary>
    public async Task BeforeStoringAsync(IReadOnlyList<OtlpSpan> spans, CancellationToken cancellationToken)
    {
        var wait = TimeSpan.FromMilliseconds(Math.Max(0, options.Value.OtlpContentWaitMs));
        if (wait == TimeSpan.Zero || (_senders.IsEmpty && store is null))
        {
            return;
        }
        var now = time.GetUtcNow();
        var awaited = spans
            .Where(GenAiContent.LacksContent)
            .Where(s => SenderOf(s.ServiceName ?? "", now) is { } sender && sender.PausedUntil <= now)
            .GroupBy(s => (s.TraceId, Service: s.ServiceName ?? ""))
            .ToList();
        if (awaited.Count == 0)
        {
            return;
        }
        await Task.WhenAll(awaited.Select(async trace =>
        {
            var spanIds = trace.Select(s => s.SpanId).ToList();
            LogWaiting(logger, spanIds.Count, trace.Key.TraceId, wait.TotalMilliseconds);
            var came = await WaitForContentAsync(trace.Key.TraceId, spanIds, wait, cancellationToken);
            var sender = _senders[trace.Key.Service];
            lock (sender)
            {
                sender.Misses = came ? 0 : sender.Misses + 1;
                if (sender.Misses >= MissesBeforePause)
                {
                    sender.Misses = 0;
                    sender.PausedUntil = time.GetUtcNow() + Pause;
                    LogPaused(logger, trace.Key.Service, MissesBeforePause, Pause.TotalSeconds);
                }
            }
            if (!came)
            {
                LogNotCome(logger, trace.Key.TraceId);
            }
        }));
    }

    /// <summary>The service as one that sends content (learnt here, or from the store that another instance told), or null.</summary>
    private Sender? SenderOf(string service, DateTimeOffset now)
    {
        if (_senders.TryGetValue(service, out var sender))
        {
            return sender;
        }
        if (store is null || _senders.Count >= ServicesKept || (_notSending.TryGetValue(service, out var askedAt) && now - askedAt < AskAgainAfter))
        {
            return null;
        }
        if (!store.SendsContent(service))
        {
            _notSending[service] = now;
            return null;
        }
        _notSending.TryRemove(service, out _);
        return _senders.GetOrAdd(service, _ => new Sender());
    }

    /// <summary>
    /// Until this instance holds content of each span: what comes to it wakes the wait at once; what another instance
    /// took is claimed from the offers every <see cref="OffersPoll"/>.
    /// </summary>
    private async Task<bool> WaitForContentAsync(string traceId, IReadOnlyCollection<string> spanIds, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (offers is null)
        {
            return await hold.WaitForAsync(traceId, spanIds, GenAiContent.IsContent, wait, cancellationToken);
        }
        var deadline = time.GetUtcNow() + wait;
        while (true)
        {
            var left = deadline - time.GetUtcNow();
            var slice = left < OffersPoll ? left : OffersPoll;
            if (await hold.WaitForAsync(traceId, spanIds, GenAiContent.IsContent, slice > TimeSpan.Zero ? slice : TimeSpan.Zero, cancellationToken))
            {
                return true;
            }
            if (offers.Claim(traceId, spanIds) is { Count: > 0 } claimed)
            {
                hold.Return(claimed);
                continue;
            }
            if (time.GetUtcNow() >= deadline)
            {
                return false;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "OTLP trace {TraceId}: waiting up to {Ms} ms for the content events of {Count} model call span(s)")]
    private static partial void LogWaiting(ILogger logger, int count, string traceId, double ms);

    [LoggerMessage(Level = LogLevel.Information, Message = "OTLP service '{Service}': the content events of its model calls did not come {Misses} times in a row; its spans are not waited for in the next {Seconds} s")]
    private static partial void LogPaused(ILogger logger, string service, int misses, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "OTLP trace {TraceId}: content events of its model calls did not come in time; stored without them")]
    private static partial void LogNotCome(ILogger logger, string traceId);
}
