using System.Text.Json;
using Dashboard.Model.Errors;
using Dashboard.Model.Events;
using Dashboard.Model.Json;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using Dashboard.Runs.Access;
using Dashboard.Runs.Configuration;
using Dashboard.Runs.Storage;
using Dashboard.Streams.Core;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs.Ingestion;

/// <summary>
/// <c>POST /api/runs/{runId}/events</c>: a batch is parsed, truncated, checked against the run's state by the
/// reducer, then appended to the run's stream with its projection rows, insights delta and feed entry in the same
/// transaction, or refused whole. Batches of one run are applied one at a time; different runs proceed in parallel up
/// to the store. Everything that can be worked out before the write transaction is (the rows' JSON, the aggregates'
/// deltas): the store has one writer, and what it does while holding it bounds ingestion.
/// </summary>
internal sealed class RunIngestion(DurableStreamEngine engine, RunStateCache states, IRunRowStore rows, Search.RecentBatches recent, RunBatchHandoff handoff,
    IOptions<RunsOptions> options, TimeProvider time)
{
    private readonly TimeSpan _maxClockAhead = TimeSpan.FromSeconds(Math.Max(0, options.Value.MaxClockAheadSeconds));
    private readonly SemaphoreSlim[] _locks = Enumerable.Range(0, 256).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    private readonly SnapshotTruncator _truncator = new(options.Value.SnapshotLimitBytes);
    private readonly PayloadRedactor _redactor = new(options.Value.RedactKeys.Count == 0 ? null : options.Value.RedactKeys);

    public async Task<IngestOutcome> IngestAsync(string runId, ReadOnlyMemory<byte> body, ProducerClaim? producer, Caller caller, CancellationToken cancellationToken)
    {
        var parsed = RunEventParser.ParseBatch(body, EventSource.Engine);
        if (!parsed.IsValid)
        {
            return Invalid(Describe(parsed.Rejection!));
        }
        return await IngestAsync(runId, parsed.Events, producer, caller, cancellationToken);
    }

    /// <summary>
    /// Events the service made itself (OTLP's, mapped from spans and log records), ingested as a parsed batch would be:
    /// they skip only the JSON round trip, and hold no <c>offset</c> or <c>truncated</c>, which are the service's to set.
    /// </summary>
    public async Task<IngestOutcome> IngestAsync(string runId, IReadOnlyList<RunEvent> batch, ProducerClaim? producer, Caller caller, CancellationToken cancellationToken,
        Otlp.OtlpRows? otlp = null)
    {
        if (batch.Count == 0)
        {
            return Invalid("Rejected: body must hold at least one event. Nothing of this batch was stored.");
        }
        if (EventClockCheck.FirstTooFarAhead(batch, time.GetUtcNow(), _maxClockAhead) is { } ahead)
        {
            return Invalid(Describe(ahead));
        }
        if (BidiControlCheck.FirstReordered(batch) is { } reordered)
        {
            return Invalid(Describe(reordered));
        }
        if ((TriggerTypeCheck.FirstProblem(batch) ?? UsageCheck.FirstProblem(batch)) is { } refused)
        {
            return Invalid(Describe(refused));
        }
        // Secrets are masked before anything is stored or measured: no reader, export or screen can show them.
        var events = batch.Select(_redactor.Apply).Select(_truncator.Apply).ToList();

        var gate = _locks[(StringComparer.Ordinal.GetHashCode(runId) & int.MaxValue) % _locks.Length];
        await gate.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                if (await IngestOnceAsync(runId, events, producer, caller, otlp) is { } outcome)
                {
                    return outcome;
                }
                // Another instance appended to this run after this one last read it (the lock above is per process):
                // the batch is reduced again on the state read back from the stream.
                states.Evict(runId);
                if (attempt < MaxAttempts)
                {
                    // Apart by a growing, random pause: two instances that keep colliding on one run fall out of step.
                    await Task.Delay(Random.Shared.Next(1, 10 * attempt), cancellationToken);
                }
                else
                {
                    return new IngestOutcome
                    {
                        Status = 409,
                        ErrorCode = ErrorCodes.InvalidInput,
                        Message = "The run is being reported through other instances at the same time; retry the batch.",
                    };
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>An event as it would be stored: secrets masked, payloads cut to the snapshot limit (for what waits to be ingested).</summary>
    public RunEvent Masked(RunEvent e) => _truncator.Apply(_redactor.Apply(e));

    /// <summary>
    /// How often a batch is reduced again when other instances keep appending to its run in between; each retry reads
    /// the run's stream again, so a run reported through several instances at once pays for it and no other does.
    /// </summary>
    private const int MaxAttempts = 20;

    /// <summary>Reduces and appends the batch on the run's state as this instance knows it; null when the stream had moved on.</summary>
    private async Task<IngestOutcome?> IngestOnceAsync(string runId, List<RunEvent> events, ProducerClaim? producer, Caller caller, Otlp.OtlpRows? otlp)
    {
        var path = RunStreams.PathOf(runId);
        if (producer is not null && ProducerVerdict.Of(producer, engine.Producer(path, producer.Id)) is { Kind: not ProducerVerdictKind.Accepted } verdict)
        {
            // Answered before the batch is reduced: a resend must not be checked against the state it already moved.
            return Refused(verdict, events.Count, path);
        }

        var state = states.Get(runId);
        var workflowId = state.Record?.WorkflowId ?? (events[0] as RunStarted)?.WorkflowId;
        if (workflowId is not null && !caller.Sees(workflowId))
        {
            // A run outside the key's workflows does not exist for it, even to write.
            return new IngestOutcome { Status = 404, ErrorCode = ErrorCodes.ResourceNotFound, Message = "No run with this id." };
        }

        state.TrackChanges();
        var before = state.Record;
        var wasStarted = before is not null;
        // Where this instance believes the run's stream ends: the append is refused if it ends elsewhere.
        var expectedTail = StreamOffset.TryParse(state.Offset, out var tail) ? tail : StreamOffset.Zero;
        var result = RunReducer.ApplyBatch(state, events);
        if (!result.Accepted)
        {
            state.TakeChanges();
            return Invalid(Describe(result.Rejection!));
        }
        if (UsageCheck.RunCostProblem(state.Record) is { } costProblem)
        {
            // The reducer has moved and nothing is stored: the next batch reads the run back from its stream.
            state.TakeChanges();
            states.Evict(runId);
            return Invalid(costProblem);
        }
        var changes = state.TakeStepChanges();
        var applied = events.Where((_, i) => result.Outcomes[i] == ReduceOutcome.Applied).ToList();
        var duplicates = events.Count - applied.Count;
        if (applied.Count == 0)
        {
            return new IngestOutcome { Status = 200, Duplicates = duplicates, NextOffset = state.Offset };
        }

        try
        {
            return await AppendAsync(runId, path, RunRows.Of(before, state, changes, applied) with { Otlp = otlp }, state, changes, applied, duplicates, producer, createStream: !wasStarted, expectedTail);
        }
        catch
        {
            // The reducer already moved; the stream did not. Forget the state: the next batch replays the stream.
            states.Evict(runId);
            throw;
        }
    }

    private async Task<IngestOutcome?> AppendAsync(string runId, string path, RunRows runRows, RunState state, IReadOnlyList<StepChange> changes, List<RunEvent> applied, int duplicates,
        ProducerClaim? producer, bool createStream, StreamOffset expectedTail)
    {
        if (createStream)
        {
            var created = await engine.CreateAsync(new CreateStreamRequest { Path = path, ContentType = StreamContentType.Json });
            if (created.Status is not (StreamStatus.Created or StreamStatus.Ok))
            {
                throw new InvalidOperationException($"The stream of run {runId} could not be created: {created.Error}");
            }
        }

        var messages = Serialize(applied);
        var terminal = state.Record!.Status.IsTerminal();
        StreamOffset? end = null;
        IReadOnlyList<StoredMessage> stored = [];
        var appended = await engine.AppendAsync(new AppendRequest
        {
            Path = path,
            ContentType = StreamContentType.Json,
            Messages = messages,
            Close = terminal,
            Producer = producer,
            ExpectedTail = expectedTail,
            InTransaction = context =>
            {
                end = context.Stream.TailOffset;
                stored = context.Appended;
                rows.Write(runRows, end.Value.ToString());
                // At the commit: every batch of every run appends to the feed, and would otherwise hold its lock from
                // here to the commit (PostgreSQL), one batch after the other.
                context.AppendAtCommit(RunStreams.FeedPath, JsonSerializer.SerializeToUtf8Bytes(RunChange.From(state.Record, end.Value.ToString(), applied) with
                {
                    // With the batch's place in the run's stream: what the search indexer reads behind ingestion.
                    FromOffset = expectedTail.ToString(),
                    LogsBefore = state.LogCount - applied.Count(e => e is LogEvent),
                }, ModelJson.Options));
            },
            // Before the run's readers wake: the relay of this process takes the batch as parsed here, not from the store.
            Committed = handoff.IsFollowed(path) ? () => handoff.Committed(path, applied, stored) : null,
        });
        if (appended.TailMoved)
        {
            return null;
        }
        if (appended.Duplicate || appended.Status is not (StreamStatus.Ok or StreamStatus.NoContent))
        {
            // Refused inside the transaction after all (another writer of the same producer got there first): the state
            // moved for nothing, and is read again from the stream next time.
            states.Evict(runId);
            return appended switch
            {
                { Duplicate: true } => Refused(new ProducerVerdict(ProducerVerdictKind.Duplicate, appended.ProducerEpoch ?? 0, 0, 0), applied.Count + duplicates, path),
                { Status: StreamStatus.Forbidden } => Refused(new ProducerVerdict(ProducerVerdictKind.StaleEpoch, appended.ProducerEpoch ?? 0, 0, 0), 0, path),
                { Status: StreamStatus.Conflict, ProducerExpectedSeq: { } expected } =>
                    Refused(new ProducerVerdict(ProducerVerdictKind.SequenceGap, 0, expected, appended.ProducerReceivedSeq ?? 0), 0, path),
                { Status: StreamStatus.Conflict } => new IngestOutcome { Status = 409, ErrorCode = ErrorCodes.InvalidInput, Message = "The run has ended; its stream is closed." },
                _ => Invalid(appended.Error ?? "The batch was refused."),
            };
        }

        var offset = appended.NextOffset!.Value.ToString();
        if (terminal)
        {
            // Its stream is closed: nothing more can be appended, so its state (every step's payloads) would only sit in
            // memory. A resend of this batch replays the stream to find it a duplicate.
            states.Evict(runId);
        }
        else
        {
            state.AdvanceOffset(offset);
            // Stored now: the attempts this batch ended keep no payloads in memory (the rows have them).
            state.DropEndedPayloads(changes.Select(c => c.Key));
        }
        // Committed: the search indexer, when it reaches this batch in the feed, takes these events instead of parsing the stream's.
        recent.Add(runId, expectedTail, end!.Value, applied, messages.Sum(m => (long)m.Length));
        return new IngestOutcome { Status = 200, Accepted = applied.Count, Duplicates = duplicates, NextOffset = offset };
    }

    /// <summary>Each event as the message it is stored as: serialised once here, not joined and split again by the stream.</summary>
    private static List<ReadOnlyMemory<byte>> Serialize(List<RunEvent> events) => SerializedEach.Of(events, ModelJson.Options);

    /// <summary>The answer to a producer claim that is not the next batch (<see cref="ProducerVerdict"/>).</summary>
    private IngestOutcome Refused(ProducerVerdict verdict, int events, string path) => verdict.Kind switch
    {
        // A resend of a batch already stored: harmless, whatever it holds.
        ProducerVerdictKind.Duplicate => new IngestOutcome { Status = 200, DuplicateBatch = true, Duplicates = events, NextOffset = engine.Head(path).NextOffset?.ToString() },
        ProducerVerdictKind.StaleEpoch => new IngestOutcome { Status = 409, ErrorCode = ErrorCodes.InvalidInput, Message = $"Stale producer epoch (the service has epoch {verdict.KnownEpoch})." },
        ProducerVerdictKind.SequenceGap => new IngestOutcome
        {
            Status = 409,
            ErrorCode = ErrorCodes.InvalidInput,
            Message = $"Producer-Seq gap: expected {verdict.ExpectedSeq}, received {verdict.ReceivedSeq}.",
        },
        _ => Invalid("A new producer epoch starts at Producer-Seq 0."),
    };

    private static IngestOutcome Invalid(string message) =>
        new() { Status = 400, ErrorCode = ErrorCodes.InvalidInput, Message = message };

    private static string Describe(EventRejection rejection)
    {
        var where = rejection.Index >= 0 ? $"event {rejection.Index}{(rejection.EventType is null ? "" : $" ({rejection.EventType})")}, field {rejection.Field}" : $"the request {rejection.Field}";
        return $"Rejected: {where}: {rejection.Message}. Nothing of this batch was stored.";
    }
}
