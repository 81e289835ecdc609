using System.Data.Common;
using Dashboard.Runs.Storage;
using static Dashboard.Runs.Storage.StatementCache;

namespace Dashboard.Runs.Search;

/// <summary>
/// Writes the documents the indexer made, in its transaction. The text index follows the rows (SQLite: FTS5, filled in
/// batches; PostgreSQL: a generated <c>tsvector</c> column), so the statements are the same on both stores.
/// </summary>
internal static class SearchIndexWriter
{
    private const string InsertSql = """
        INSERT INTO run_search (run_id, workflow_id, started_at, step_id, loop_index, attempt, field, log_seq, body)
        VALUES (@run, @workflow, @started, @step, @loop, @attempt, @field, @seq, @body)
        """;

    public static void Write(StatementCache statements, DbTransaction transaction, SearchRows rows)
    {
        if (rows.Documents.Count == 0)
        {
            return;
        }
        var insert = statements.For(transaction, InsertSql);
        Set(insert, "run", rows.RunId);
        Set(insert, "workflow", rows.WorkflowId);
        Set(insert, "started", rows.StartedAt);
        foreach (var document in rows.Documents)
        {
            Set(insert, "step", document.StepId);
            Set(insert, "loop", document.LoopKey);
            Set(insert, "attempt", document.Attempt);
            Set(insert, "field", document.Field);
            Set(insert, "seq", document.LogSeq);
            Set(insert, "body", document.Body);
            statements.Execute(insert);
        }
    }

    private const string MoveLineSql = """
        UPDATE run_search SET step_id = @step, attempt = @attempt, loop_index = @loop
        WHERE run_id = @run AND step_id IS NULL AND field = 'log' AND log_seq = @seq
        """;

    /// <summary>
    /// The documents of log lines that moved onto a step after they were indexed as lines of the run (an OTLP step
    /// longer than its records' wait) follow them, so that a hit names the step; those already moved are left as they are.
    /// </summary>
    public static void MoveLines(StatementCache statements, DbTransaction transaction, string runId, IReadOnlyList<(long Seq, string StepId, int? Attempt, long LoopKey)> moved)
    {
        if (moved.Count == 0)
        {
            return;
        }
        var move = statements.For(transaction, MoveLineSql);
        Set(move, "run", runId);
        foreach (var (seq, stepId, attempt, loopKey) in moved)
        {
            Set(move, "seq", seq);
            Set(move, "step", stepId);
            Set(move, "attempt", attempt);
            Set(move, "loop", loopKey);
            statements.Execute(move);
        }
    }
}
