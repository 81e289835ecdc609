using System.Text.Json;
using Dashboard.Model.Errors;
using Dashboard.Model.Events;
using Dashboard.Model.Json;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using Dashboard.Runs.Access;
using Dashboard.Runs.Configuration;
using Dashboard.Runs.Insights;
using Dashboard.Runs.Projections;
using Dashboard.Streams.Core;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs.Ingestion;

/// <summary>
/// <c>POST /api/runs/{runId}/events</c>: a batch is parsed, truncated, checked against the run's state by the
/// reducer, then appended to the run's stream with the projection rows in the same transaction, or refused whole.
/// Batches of one run are applied one at a time; different runs proceed in parallel up to the store.
/// </summary>
public sealed class RunIngestion(DurableStreamEngine engine, RunStateCache states, IOptions<RunsOptions> options)
{
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
        // Secrets are masked before anything is stored or measured: no reader, export or screen can show them.
        var events = parsed.Events.Select(_redactor.Apply).Select(_truncator.Apply).ToList();

        var gate = _locks[(StringComparer.Ordinal.GetHashCode(runId) & int.MaxValue) % _locks.Length];
        await gate.WaitAsync(cancellationToken);
        try
        {
            var path = RunStreams.PathOf(runId);
            if (producer is not null && engine.Producer(path, producer.Id) is { } known
                && known.Epoch == producer.Epoch && producer.Seq <= known.LastSeq)
            {
                // A resend of a batch already stored: harmless, whatever it holds.
                return new IngestOutcome { Status = 200, DuplicateBatch = true, Duplicates = events.Count, NextOffset = engine.Head(path).NextOffset?.ToString() };
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
            var result = RunReducer.ApplyBatch(state, events);
            if (!result.Accepted)
            {
                state.TakeChanges();
                return Invalid(Describe(result.Rejection!));
            }
            var changes = state.TakeChanges();
            var applied = events.Where((_, i) => result.Outcomes[i] == ReduceOutcome.Applied).ToList();
            var duplicates = events.Count - applied.Count;
            if (applied.Count == 0)
            {
                return new IngestOutcome { Status = 200, Duplicates = duplicates, NextOffset = state.Offset };
            }

            try
            {
                return Append(runId, path, before, state, applied, duplicates, changes, producer, createStream: !wasStarted);
            }
            catch
            {
                // The reducer already moved; the stream did not. Forget the state: the next batch replays the stream.
                states.Evict(runId);
                throw;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private IngestOutcome Append(string runId, string path, RunRecord? before, RunState state, List<RunEvent> applied, int duplicates,
        IReadOnlyCollection<StepKey> changes, ProducerClaim? producer, bool createStream)
    {
        if (createStream)
        {
            var created = engine.Create(new CreateStreamRequest { Path = path, ContentType = StreamContentType.Json });
            if (created.Status is not (StreamStatus.Created or StreamStatus.Ok))
            {
                throw new InvalidOperationException($"The stream of run {runId} could not be created: {created.Error}");
            }
        }

        var body = Serialize(applied);
        var terminal = state.Record!.Status.IsTerminal();
        var appended = engine.Append(new AppendRequest
        {
            Path = path,
            ContentType = StreamContentType.Json,
            Body = body,
            Close = terminal,
            Producer = producer,
            InTransaction = context =>
            {
                var end = context.Stream.TailOffset.ToString();
                var transaction = (SqliteTransaction)context.StoreTransaction;
                RunProjectionWriter.Write(transaction, state, changes, end);
                InsightsWriter.Write(transaction, before, state, applied);
            },
        });
        if (appended.Status is not (StreamStatus.Ok or StreamStatus.NoContent))
        {
            states.Evict(runId);
            return appended.Status switch
            {
                StreamStatus.Forbidden => new IngestOutcome { Status = 409, ErrorCode = ErrorCodes.InvalidInput, Message = $"Stale producer epoch (the service has epoch {appended.ProducerEpoch})." },
                StreamStatus.Conflict when appended.ProducerExpectedSeq is { } expected => new IngestOutcome
                {
                    Status = 409,
                    ErrorCode = ErrorCodes.InvalidInput,
                    Message = $"Producer-Seq gap: expected {expected}, received {appended.ProducerReceivedSeq}.",
                },
                StreamStatus.Conflict => new IngestOutcome { Status = 409, ErrorCode = ErrorCodes.InvalidInput, Message = "The run has ended; its stream is closed." },
                _ => Invalid(appended.Error ?? "The batch was refused."),
            };
        }

        var offset = appended.NextOffset!.Value.ToString();
        state.AdvanceOffset(offset);
        engine.Append(new AppendRequest
        {
            Path = RunStreams.FeedPath,
            ContentType = StreamContentType.Json,
            Body = JsonSerializer.SerializeToUtf8Bytes(RunChange.From(state.Record, offset, applied), ModelJson.Options),
        });
        return new IngestOutcome { Status = 200, Accepted = applied.Count, Duplicates = duplicates, NextOffset = offset };
    }

    private static byte[] Serialize(List<RunEvent> events)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var e in events)
            {
                JsonSerializer.Serialize<RunEvent>(writer, e, ModelJson.Options);
            }
            writer.WriteEndArray();
        }
        return buffer.ToArray();
    }

    private static IngestOutcome Invalid(string message) =>
        new() { Status = 400, ErrorCode = ErrorCodes.InvalidInput, Message = message };

    private static string Describe(EventRejection rejection)
    {
        var where = rejection.Index >= 0 ? $"event {rejection.Index}{(rejection.EventType is null ? "" : $" ({rejection.EventType})")}, field {rejection.Field}" : $"the request {rejection.Field}";
        return $"Rejected: {where}: {rejection.Message}. Nothing of this batch was stored.";
    }
}
