using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Dashboard.Model.Events;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;
using Dashboard.Runs.Access;
using Dashboard.Runs.Configuration;
using Dashboard.Runs.Ingestion;
using Dashboard.Runs.Projections;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// A trace's root span ends its run, and nothing may follow a run's end (the run-events rule); but an SDK exports log
/// records on a timer of its own, so the records a service writes in a run's last seconds often come after the spans
/// that ended it, and were refused. For a service that sends log records, the run's end is held back for
/// <c>Runs:OtlpEndGraceMs</c>: stored with the trace's other events (so any instance appends it, after a restart too),
/// the run open to its late records meanwhile, then appended with its own end time and what still waits for the trace.
/// </summary>
internal sealed partial class OtlpRunEnds(OtlpStore store, OtlpLogIntake logs, RunIngestion ingestion, RunQueries queries, IOptions<RunsOptions> options,
    TimeProvider time, ILogger<OtlpRunEnds> logger)
{
    // Services known to send log records (here, or to any instance: the store), and when the store last said one did not.
    private readonly ConcurrentDictionary<string, byte> _sending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _askedAt = new(StringComparer.Ordinal);

    private static readonly TimeSpan AskAgainAfter = TimeSpan.FromSeconds(30);

    /// <summary>A log export's services: their runs' ends are held from now on, by every instance.</summary>
    public void Learn(IEnumerable<OtlpLogRecord> records)
    {
        foreach (var service in records.Select(r => r.ServiceName).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            if (_sending.TryAdd(service, 0))
            {
                store.RememberLogService(service);
            }
        }
    }

    /// <summary>The end to hold for a trace's run (its events then go in without it), or null when it goes in now.</summary>
    public OtlpHeldEnd? Hold(TerminalRunEvent end, string? service, Caller caller, string? rootSpan)
    {
        var grace = options.Value.OtlpEndGraceMs;
        if (grace <= 0 || service is null || !SendsLogs(service))
        {
            return null;
        }
        // Masked now: what waits in the store is held to the same rule as what is stored in the run.
        var json = JsonSerializer.Serialize<RunEvent[]>([ingestion.Masked(end)], ModelJson.Options);
        return new OtlpHeldEnd(time.GetUtcNow().AddMilliseconds(grace), caller.Name, rootSpan, json);
    }

    private bool SendsLogs(string service)
    {
        if (_sending.ContainsKey(service))
        {
            return true;
        }
        var now = time.GetUtcNow();
        if (_askedAt.TryGetValue(service, out var asked) && now - asked < AskAgainAfter)
        {
            return false;
        }
        if (store.SendsLogs(service))
        {
            _sending.TryAdd(service, 0);
            return true;
        }
        _askedAt[service] = now;
        return false;
    }

    /// <summary>
    /// How long before a held end is due every instance puts in what waits with it for its trace: the instance that
    /// appends the end takes in only what waits in its own memory. Some times the sweeper's second, so that each
    /// instance has a turn in it even on a busy machine.
    /// </summary>
    private static readonly TimeSpan LinesBeforeEnd = TimeSpan.FromSeconds(3);

    /// <summary>Appends the held ends that are due; returns how many runs ended.</summary>
    public async Task<int> EndDueAsync(CancellationToken cancellationToken)
    {
        var ended = 0;
        var now = time.GetUtcNow();
        foreach (var due in store.DueEnds(now + LinesBeforeEnd, limit: 200))
        {
            if (due.DueAt > now)
            {
                await logs.PlaceBeforeEndAsync(due.TraceId, due.RunId, due.RootSpan, cancellationToken);
                continue;
            }
            var parsed = RunEventParser.ParseBatch(Encoding.UTF8.GetBytes(due.EventJson), EventSource.Stream);
            if (!parsed.IsValid || parsed.Events is not [TerminalRunEvent])
            {
                store.Release(due.RunId);
                LogNotEnded(logger, due.RunId, "its held end could not be read");
                continue;
            }
            // The key's name: what waits for the trace is taken as its own trace export would have taken it. The run was
            // that key's to write when its end was held.
            var caller = Caller.Open with { Name = due.Caller };
            using (await logs.LockTracesAsync([due.TraceId], cancellationToken))
            {
                var join = logs.Join(due.TraceId, due.RunId, caller, [.. parsed.Events], due.RootSpan);
                var outcome = await ingestion.IngestAsync(due.RunId, join.Events, null, caller, cancellationToken, join.Rows);
                if (outcome.Succeeded)
                {
                    logs.Stored(due.TraceId, due.RunId, join, due.RootSpan, outcome);
                    ended++;
                    continue;
                }
                logs.Refused(join);
                if (join.Events.Count > 1)
                {
                    // The lines with it were refused: the run still ends.
                    outcome = await ingestion.IngestAsync(due.RunId, parsed.Events, null, caller, cancellationToken);
                }
                if (outcome.Succeeded)
                {
                    ended++;
                }
                else if (queries.FindRecord(due.RunId) is not { } run || !run.Status.IsTerminal())
                {
                    // Let go (or it would be tried every second for ever), unless another instance ended it first: its
                    // held end went with that end.
                    store.Release(due.RunId);
                    LogNotEnded(logger, due.RunId, outcome.Message ?? "refused");
                }
            }
        }
        return ended;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP: the held end of run {RunId} was not appended: {Reason}")]
    private static partial void LogNotEnded(ILogger logger, string runId, string reason);
}
