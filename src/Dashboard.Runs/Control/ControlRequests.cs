using System.Text.Json;
using Dashboard.Model.Control;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;
using Dashboard.Runs.Storage;
using Dashboard.Streams.Core;

namespace Dashboard.Runs.Control;

/// <summary>
/// Control requests: each appended to its workflow's control stream with its row (id, idempotency key, the offset it
/// ends at) in the append's transaction, so the stream and the request's state never disagree; read back with the
/// state the engine's reports gave it.
/// </summary>
internal sealed class ControlRequests(RunsDatabase database, DurableStreamEngine engine, TimeProvider clock)
{
    public const int MaxInputBytes = 1024 * 1024;
    public const int MaxReasonLength = 1000;
    public const int MaxIdempotencyKeyLength = 200;

    /// <summary>Outside <c>/v1/stream</c>, like the runs' own streams: only the control routes write it.</summary>
    public static string StreamPathOf(string workflowId) => "/control/" + Uri.EscapeDataString(workflowId);

    /// <summary>The workflow's control stream, made empty on first use so that an engine can follow it before any request.</summary>
    public void EnsureStream(string workflowId)
    {
        var created = engine.Create(new CreateStreamRequest { Path = StreamPathOf(workflowId), ContentType = StreamContentType.Json });
        if (created.Status is not (StreamStatus.Created or StreamStatus.Ok))
        {
            throw new InvalidOperationException($"The control stream of {workflowId} could not be created: {created.Error}");
        }
    }

    /// <summary>Appends the request; with an idempotency key already used for this run, answers with that request instead.</summary>
    public ActionAccepted Append(RunRecord run, string action, JsonElement? input, string? stepId, string? reason, string requestedBy, string? idempotencyKey)
    {
        if (idempotencyKey is not null && Find(run.Id, idempotencyKey) is { } earlier)
        {
            return earlier;
        }
        var request = new ControlRequest
        {
            RequestId = "req_" + Guid.NewGuid().ToString("N"),
            RunId = run.Id,
            WorkflowId = run.WorkflowId,
            Action = action,
            Input = input,
            StepId = stepId,
            Reason = reason,
            RequestedBy = requestedBy,
            RequestedAt = clock.GetUtcNow(),
        };
        var json = JsonSerializer.Serialize(request, ModelJson.Options);
        EnsureStream(run.WorkflowId);
        StreamResult appended;
        try
        {
            appended = engine.Append(new AppendRequest
            {
                Path = StreamPathOf(run.WorkflowId),
                ContentType = StreamContentType.Json,
                Body = System.Text.Encoding.UTF8.GetBytes(json),
                InTransaction = context => Insert(request, json, idempotencyKey, context.Stream.TailOffset.ToString()),
            });
        }
        catch (Exception) when (idempotencyKey is not null && Find(run.Id, idempotencyKey) is not null)
        {
            // The same key sent twice at once: the other request's row won the unique key, and this append rolled back.
            return Find(run.Id, idempotencyKey)!;
        }
        if (appended.Status is not (StreamStatus.Ok or StreamStatus.NoContent))
        {
            throw new InvalidOperationException($"The control stream of {run.WorkflowId} refused the request: {appended.Error}");
        }
        return new ActionAccepted(request.RequestId, appended.NextOffset!.Value.ToString());
    }

    private void Insert(ControlRequest request, string json, string? idempotencyKey, string offset)
    {
        var transaction = database.WriteTransaction;
        using var insert = transaction.Connection!.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO control_requests (request_id, run_id, workflow_id, action, idempotency_key, request_json, requested_at, stream_offset)
            VALUES (@id, @run, @workflow, @action, @key, @json, @at, @offset)
            """;
        insert.With("id", request.RequestId).With("run", request.RunId).With("workflow", request.WorkflowId).With("action", request.Action)
            .With("key", idempotencyKey).With("json", json).With("at", request.RequestedAt.ToUnixTimeMilliseconds()).With("offset", offset);
        insert.ExecuteNonQuery();
    }

    private ActionAccepted? Find(string runId, string idempotencyKey)
    {
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT request_id, stream_offset FROM control_requests WHERE run_id = @run AND idempotency_key = @key";
        command.With("run", runId).With("key", idempotencyKey);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new ActionAccepted(reader.GetString(0), reader.GetString(1)) : null;
    }

    /// <summary>The run's requests, oldest first, each with its state: done when the engine reported acting on it, expired when it did not in time.</summary>
    public IReadOnlyList<ControlRequestState> ForRun(string runId, TimeSpan expiry)
    {
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT request_json, stream_offset, outcome, outcome_run_id, outcome_at FROM control_requests
            WHERE run_id = @run ORDER BY requested_at, request_id
            """;
        command.With("run", runId);
        using var reader = command.ExecuteReader();
        var now = clock.GetUtcNow();
        var states = new List<ControlRequestState>();
        while (reader.Read())
        {
            var request = JsonSerializer.Deserialize<ControlRequest>(reader.GetString(0), ModelJson.Options)! with { Offset = reader.GetString(1) };
            var outcome = reader.IsDBNull(2) ? null : reader.GetString(2);
            states.Add(new ControlRequestState
            {
                Request = request,
                State = outcome is not null ? "done" : now - request.RequestedAt > expiry ? "expired" : "pending",
                Outcome = outcome,
                OutcomeRunId = reader.IsDBNull(3) ? null : reader.GetString(3),
                OutcomeAt = reader.IsDBNull(4) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
            });
        }
        return states;
    }

    /// <summary>Whether the run has an attempt of <paramref name="stepId"/> (what a rerun from a step starts at).</summary>
    public bool HasStep(string runId, string stepId)
    {
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM run_steps WHERE run_id = @run AND step_id = @step LIMIT 1";
        command.With("run", runId).With("step", stepId);
        return command.ExecuteScalar() is not null;
    }
}
