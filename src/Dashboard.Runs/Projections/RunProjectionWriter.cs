using System.Data.Common;
using System.Text.Json;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;
using Dashboard.Runs.Storage;
using static Dashboard.Runs.Storage.StatementCache;

namespace Dashboard.Runs.Projections;

/// <summary>Writes a run's changed rows inside the transaction that appends its events to its stream.</summary>
internal static class RunProjectionWriter
{
    private const string RunSql = """
        INSERT INTO runs (id, workflow_id, workflow_name, status, trigger_type, experiment_id, parent_run_id, started_at, completed_at, error_message, record_json, stream_offset)
        VALUES (@id, @workflow, @name, @status, @trigger, @experiment, @parent, @started, @completed, @error, @json, @offset)
        ON CONFLICT (id) DO UPDATE SET workflow_name = excluded.workflow_name, status = excluded.status,
            completed_at = excluded.completed_at, error_message = excluded.error_message,
            record_json = excluded.record_json, stream_offset = excluded.stream_offset
        """;

    // Attempts are only ever added to a step, so an upsert of the attempts a batch added or changed leaves the step exactly
    // as stored (the previous latest attempt is among them: it loses is_latest when a retry arrives).
    private const string StepSql = """
        INSERT INTO run_steps (run_id, step_id, loop_index, attempt, order_index, is_latest, timeline_json, trace_json)
        VALUES (@run, @step, @loop, @attempt, @order, @latest, @timeline, @json)
        ON CONFLICT (run_id, step_id, loop_index, attempt) DO UPDATE SET order_index = excluded.order_index, is_latest = excluded.is_latest,
            timeline_json = excluded.timeline_json, trace_json = excluded.trace_json
        """;

    // PostgreSQL: a batch's attempts in one upsert from arrays, in their order (a batch's rows are one per attempt, so none
    // is upserted twice by it). 50 statements a batch were the most numerous of ingestion's, each bound and executed on its
    // own. The JSON goes as the UTF-8 it was serialised to (bytea, made text again by the server), not as strings that
    // Npgsql would encode back.
    private const string StepArraysSql = """
        INSERT INTO run_steps (run_id, step_id, loop_index, attempt, order_index, is_latest, timeline_json, trace_json)
        SELECT @run, s.step_id, s.loop_index, s.attempt, s.order_index, s.is_latest, convert_from(s.timeline_json, 'UTF8'), convert_from(s.trace_json, 'UTF8')
        FROM unnest(@steps::text[], @loops::bigint[], @attempts::integer[], @orders::bigint[], @latest::integer[], @timelines::bytea[], @jsons::bytea[])
            WITH ORDINALITY AS s(step_id, loop_index, attempt, order_index, is_latest, timeline_json, trace_json, n)
        ORDER BY s.n
        ON CONFLICT (run_id, step_id, loop_index, attempt) DO UPDATE SET order_index = excluded.order_index, is_latest = excluded.is_latest,
            timeline_json = excluded.timeline_json, trace_json = excluded.trace_json
        """;

    private const string LogSql = """
        INSERT INTO run_logs (run_id, seq, at, level_rank, step_id, attempt, loop_index, message, line_json, span_id)
        VALUES (@run, @seq, @at, @rank, @step, @attempt, @loop, @message, @json, @span)
        ON CONFLICT DO NOTHING
        """;

    // By the partial index on (run_id, span_id), which holds only lines that kept a span's id. SQLite is told so: without
    // statistics its planner takes the table's key, whose prefix is the run, and would read every line of the run.
    private const string LinesOfSpanSql = "SELECT seq, line_json FROM run_logs WHERE run_id = @run AND span_id = @span AND step_id IS NULL";
    internal const string BySpanOnSqlite = "FROM run_logs INDEXED BY run_logs_by_span";

    // The span's id stays in its column (not in the line): which lines moved, for the search index to follow them.
    private const string MoveLineSql = """
        UPDATE run_logs SET step_id = @step, attempt = @attempt, loop_index = @loop, line_json = @json
        WHERE run_id = @run AND seq = @seq
        """;

    private const string ModelSql = "INSERT INTO run_models (run_id, model) VALUES (@run, @model) ON CONFLICT (run_id, model) DO NOTHING";

    private const string RemoveStepSql = "DELETE FROM run_steps WHERE run_id = @run AND step_id = @step AND loop_index = @loop";

    /// <summary>
    /// Writes the batch's rows in <paramref name="transaction"/>; <paramref name="asArrays"/>: its attempts in one statement
    /// (PostgreSQL, <see cref="Storage.RunsDatabase.BindsArrays"/>).
    /// </summary>
    public static void Write(StatementCache statements, DbTransaction transaction, RunProjectionRows rows, string offset, bool asArrays)
    {
        var record = rows.Record;
        var run = statements.For(transaction, RunSql);
        Set(run, "id", record.Id);
        Set(run, "workflow", record.WorkflowId);
        Set(run, "name", record.WorkflowName);
        Set(run, "status", record.Status.ToWire());
        Set(run, "trigger", record.TriggerType);
        Set(run, "experiment", record.ExperimentId);
        Set(run, "parent", record.ParentRunId);
        Set(run, "started", record.StartedAt!.Value.ToUnixTimeMilliseconds());
        Set(run, "completed", record.CompletedAt?.ToUnixTimeMilliseconds());
        Set(run, "error", record.Error?.Message);
        Set(run, "json", rows.RecordJson);
        Set(run, "offset", offset);
        statements.Execute(run);

        if (rows.Removed.Count > 0)
        {
            var remove = statements.For(transaction, RemoveStepSql);
            Set(remove, "run", record.Id);
            foreach (var (stepId, loopKey) in rows.Removed)
            {
                Set(remove, "step", stepId);
                Set(remove, "loop", loopKey);
                statements.Execute(remove);
            }
        }
        if (rows.Logs.Count > 0)
        {
            var log = statements.For(transaction, LogSql);
            Set(log, "run", record.Id);
            foreach (var row in rows.Logs)
            {
                Set(log, "seq", row.Seq);
                Set(log, "at", row.At);
                Set(log, "rank", row.LevelRank);
                Set(log, "step", row.StepId);
                Set(log, "attempt", row.Attempt);
                Set(log, "loop", row.LoopKey);
                Set(log, "message", row.Message);
                Set(log, "json", row.LineJson);
                Set(log, "span", row.SpanId);
                statements.Execute(log);
            }
        }
        if (rows.SpanSteps.Count > 0)
        {
            MoveLinesOntoSteps(statements, transaction, record.Id, rows.SpanSteps);
        }
        if (rows.Models.Count > 0)
        {
            var model = statements.For(transaction, ModelSql);
            Set(model, "run", record.Id);
            foreach (var name in rows.Models)
            {
                Set(model, "model", name);
                statements.Execute(model);
            }
        }
        if (rows.Steps.Count == 0)
        {
            return;
        }
        var earlier = EarlierAttemptsFromStore(transaction, record.Id, rows.Steps);
        if (asArrays)
        {
            WriteStepArrays(statements, transaction, record.Id, rows.Steps, earlier);
            return;
        }
        var step = statements.For(transaction, StepSql);
        Set(step, "run", record.Id);
        foreach (var row in rows.Steps)
        {
            Set(step, "step", row.StepId);
            Set(step, "loop", row.LoopKey);
            Set(step, "attempt", row.Attempt);
            Set(step, "order", row.Order);
            Set(step, "latest", row.IsLatest ? 1 : 0);
            Set(step, "timeline", row.TimelineJson);
            Set(step, "json", row.TraceJson ?? earlier![row]);
            statements.Execute(step);
        }
    }

    private static void WriteStepArrays(StatementCache statements, DbTransaction transaction, string runId, IReadOnlyList<StepRow> rows,
        Dictionary<StepRow, Utf8Text>? earlier)
    {
        var count = rows.Count;
        var (steps, loops, attempts, orders, latest) = (new string[count], new long[count], new int[count], new long[count], new int[count]);
        var (timelines, jsons) = (new byte[count][], new byte[count][]);
        for (var i = 0; i < count; i++)
        {
            var row = rows[i];
            (steps[i], loops[i], attempts[i], orders[i], latest[i]) = (row.StepId, row.LoopKey, row.Attempt, row.Order, row.IsLatest ? 1 : 0);
            timelines[i] = row.TimelineJson.ToArray();
            jsons[i] = (row.TraceJson ?? earlier![row]).ToArray();
        }
        var step = statements.For(transaction, StepArraysSql);
        Set(step,
            ("run", runId), ("steps", steps), ("loops", loops), ("attempts", attempts), ("orders", orders), ("latest", latest),
            ("timelines", timelines), ("jsons", jsons));
        statements.Execute(step);
    }

    private const string AttemptJsonSql = "SELECT trace_json FROM run_steps WHERE run_id = @run AND step_id = @step AND loop_index = @loop AND attempt = @attempt";

    /// <summary>
    /// The JSON of attempts the service held without their payloads and that stopped being their step's latest (a retry
    /// came in a later batch): their stored rows, as an earlier attempt is stored. Read in the transaction that rewrites them.
    /// </summary>
    private static Dictionary<StepRow, Utf8Text>? EarlierAttemptsFromStore(DbTransaction transaction, string runId, IReadOnlyList<StepRow> rows)
    {
        Dictionary<StepRow, Utf8Text>? earlier = null;
        DbCommand? find = null;
        try
        {
            foreach (var row in rows)
            {
                if (row.TraceJson is not null)
                {
                    continue;
                }
                if (find is null)
                {
                    find = transaction.Connection!.CreateCommand();
                    find.Transaction = transaction;
                    find.CommandText = AttemptJsonSql;
                    Set(find, "run", runId);
                }
                Set(find, "step", row.StepId);
                Set(find, "loop", row.LoopKey);
                Set(find, "attempt", row.Attempt);
                // Missing only if the rows went behind the stream's back: the batch fails, and the run's state is read
                // again from its stream (with the payloads) for the next one.
                var stored = find.ExecuteScalar() as string
                    ?? throw new InvalidOperationException($"Attempt {row.Attempt} of step {row.StepId} of run {runId} is not stored.");
                (earlier ??= new(ReferenceEqualityComparer.Instance))[row] = new Utf8Text(StoredAttemptJson.AsEarlierAttempt(System.Text.Encoding.UTF8.GetBytes(stored)));
            }
        }
        finally
        {
            find?.Dispose();
        }
        return earlier;
    }

    /// <summary>
    /// Lines of the run that waited for one of these spans until they could wait no longer (an OTLP step longer than the
    /// records' wait) go onto the step the span became, as they would have had it come in time: the logs API then finds
    /// them under the step. Read in the transaction that stores the step; an engine's batch names no span and reads nothing.
    /// </summary>
    private static void MoveLinesOntoSteps(StatementCache statements, DbTransaction transaction, string runId, IReadOnlyList<SpanStep> spans)
    {
        var moves = new List<(long Seq, SpanStep Step, byte[] Json)>();
        using (var find = transaction.Connection!.CreateCommand())
        {
            find.Transaction = transaction;
            find.CommandText = transaction is Microsoft.Data.Sqlite.SqliteTransaction ? LinesOfSpanSql.Replace("FROM run_logs", BySpanOnSqlite, StringComparison.Ordinal) : LinesOfSpanSql;
            Set(find, "run", runId);
            foreach (var step in spans)
            {
                Set(find, "span", step.SpanId);
                using var reader = find.ExecuteReader();
                while (reader.Read())
                {
                    var line = JsonSerializer.Deserialize<RunLogLine>(reader.GetString(1), ModelJson.Options)!;
                    var fields = line.Fields!.Where(f => f.Key != RunProjectionRows.OtelSpanField).ToDictionary(StringComparer.Ordinal);
                    var moved = line with
                    {
                        StepId = step.StepId,
                        Attempt = step.Attempt,
                        LoopIndex = step.LoopIndex,
                        Fields = fields.Count == 0 ? null : fields,
                    };
                    moves.Add((reader.GetInt64(0), step, JsonSerializer.SerializeToUtf8Bytes(moved, ModelJson.Options)));
                }
            }
        }
        if (moves.Count == 0)
        {
            return;
        }
        var move = statements.For(transaction, MoveLineSql);
        Set(move, "run", runId);
        foreach (var (seq, step, json) in moves)
        {
            Set(move, "seq", seq);
            Set(move, "step", step.StepId);
            Set(move, "attempt", step.Attempt);
            Set(move, "loop", RunProjectionSchema.LoopKey(step.LoopIndex));
            Set(move, "json", new Utf8Text(json));
            statements.Execute(move);
        }
    }
}
