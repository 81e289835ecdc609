using System.Text.Json;
using Dashboard.Model.Json;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using Microsoft.Data.Sqlite;

namespace Dashboard.Runs.Projections;

/// <summary>Writes a run's changed rows inside the transaction that appends its events to its stream.</summary>
internal static class RunProjectionWriter
{
    public static void Write(SqliteTransaction transaction, RunState state, IReadOnlyCollection<StepKey> changedSteps, string offset)
    {
        var connection = transaction.Connection!;
        var record = state.Record!;
        using (var run = connection.CreateCommand())
        {
            run.Transaction = transaction;
            run.CommandText = """
                INSERT INTO runs (id, workflow_id, workflow_name, status, trigger_type, experiment_id, parent_run_id, started_at, completed_at, error_message, record_json, stream_offset)
                VALUES ($id, $workflow, $name, $status, $trigger, $experiment, $parent, $started, $completed, $error, $json, $offset)
                ON CONFLICT (id) DO UPDATE SET workflow_name = excluded.workflow_name, status = excluded.status,
                    completed_at = excluded.completed_at, error_message = excluded.error_message,
                    record_json = excluded.record_json, stream_offset = excluded.stream_offset
                """;
            run.Parameters.AddWithValue("$id", record.Id);
            run.Parameters.AddWithValue("$workflow", record.WorkflowId);
            run.Parameters.AddWithValue("$name", (object?)record.WorkflowName ?? DBNull.Value);
            run.Parameters.AddWithValue("$status", record.Status.ToWire());
            run.Parameters.AddWithValue("$trigger", (object?)record.TriggerType ?? DBNull.Value);
            run.Parameters.AddWithValue("$experiment", (object?)record.ExperimentId ?? DBNull.Value);
            run.Parameters.AddWithValue("$parent", (object?)record.ParentRunId ?? DBNull.Value);
            run.Parameters.AddWithValue("$started", record.StartedAt!.Value.ToUnixTimeMilliseconds());
            run.Parameters.AddWithValue("$completed", (object?)record.CompletedAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
            run.Parameters.AddWithValue("$error", (object?)record.Error?.Message ?? DBNull.Value);
            run.Parameters.AddWithValue("$json", JsonSerializer.Serialize(record, ModelJson.Options));
            run.Parameters.AddWithValue("$offset", offset);
            run.ExecuteNonQuery();
        }
        if (changedSteps.Count == 0)
        {
            return;
        }

        using var delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM run_steps WHERE run_id = $run AND step_id = $step AND loop_index = $loop";
        var deleteStep = delete.Parameters.Add("$step", SqliteType.Text);
        var deleteLoop = delete.Parameters.Add("$loop", SqliteType.Integer);
        delete.Parameters.AddWithValue("$run", record.Id);

        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO run_steps (run_id, step_id, loop_index, attempt, order_index, is_latest, timeline_json, trace_json)
            VALUES ($run, $step, $loop, $attempt, $order, $latest, $timeline, $json)
            """;
        insert.Parameters.AddWithValue("$run", record.Id);
        var step = insert.Parameters.Add("$step", SqliteType.Text);
        var loop = insert.Parameters.Add("$loop", SqliteType.Integer);
        var attempt = insert.Parameters.Add("$attempt", SqliteType.Integer);
        var order = insert.Parameters.Add("$order", SqliteType.Integer);
        var latest = insert.Parameters.Add("$latest", SqliteType.Integer);
        var json = insert.Parameters.Add("$json", SqliteType.Text);
        var timeline = insert.Parameters.Add("$timeline", SqliteType.Text);

        foreach (var key in changedSteps)
        {
            var history = state.GetStep(key);
            deleteStep.Value = key.StepId;
            deleteLoop.Value = RunProjectionSchema.LoopKey(key.LoopIndex);
            delete.ExecuteNonQuery();
            if (history is null)
            {
                continue;
            }
            step.Value = key.StepId;
            loop.Value = RunProjectionSchema.LoopKey(key.LoopIndex);
            order.Value = state.OrderOf(key);
            for (var i = 0; i < history.Attempts.Count; i++)
            {
                var isLatest = i == history.Attempts.Count - 1;
                var trace = isLatest ? history.Attempts[i] with { AttemptCount = history.Attempts.Count } : history.Attempts[i];
                attempt.Value = trace.Attempt;
                latest.Value = isLatest ? 1 : 0;
                json.Value = JsonSerializer.Serialize(trace, ModelJson.Options);
                timeline.Value = JsonSerializer.Serialize(WithoutPayloads(trace), ModelJson.Options);
                insert.ExecuteNonQuery();
            }
        }
    }

    /// <summary>
    /// The attempt as the timeline and the rollups read it: times, status, model, tokens, cost and the error's message,
    /// without the payloads (<see cref="RunProjectionSchema.PayloadPaths"/>), which can be megabytes each.
    /// </summary>
    private static StepTrace WithoutPayloads(StepTrace trace) => trace with
    {
        InputContext = null,
        OutputContext = null,
        MappedOutput = null,
        ErrorContext = trace.ErrorContext is { } error ? error with { Stack = null, Data = null } : null,
    };
}
