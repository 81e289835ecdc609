using System.Data.Common;
using Dashboard.Runs.Storage;
using static Dashboard.Runs.Storage.StatementCache;

namespace Dashboard.Runs.Search;

/// <summary>
/// Keeps the search index in the transaction that appends a batch's events: a payload is findable exactly when the
/// events that carried it are stored. The text index follows the rows (SQLite: FTS5 triggers; PostgreSQL: a generated
/// <c>tsvector</c> column), so the statements are the same on both stores.
/// </summary>
internal static class SearchIndexWriter
{
    // A step the batch removed (a loop's iteration that the engine withdrew) takes its payloads, not its log lines.
    private const string RemoveStepSql = "DELETE FROM run_search WHERE run_id = @run AND step_id = @step AND loop_index = @loop AND field <> 'log'";

    private const string RemoveRunSql = "DELETE FROM run_search WHERE run_id = @run AND step_id IS NULL AND field <> 'log'";

    private const string InsertSql = """
        INSERT INTO run_search (run_id, workflow_id, started_at, step_id, loop_index, attempt, field, log_seq, body)
        VALUES (@run, @workflow, @started, @step, @loop, @attempt, @field, @seq, @body)
        """;

    public static void Write(StatementCache statements, DbTransaction transaction, SearchRows rows)
    {
        if (rows.RemovedSteps.Count > 0)
        {
            var remove = statements.For(transaction, RemoveStepSql);
            Set(remove, "run", rows.RunId);
            foreach (var (stepId, loopKey) in rows.RemovedSteps)
            {
                Set(remove, "step", stepId);
                Set(remove, "loop", loopKey);
                statements.Execute(remove);
            }
        }
        if (rows.ReplacesRunDocuments)
        {
            var remove = statements.For(transaction, RemoveRunSql);
            Set(remove, "run", rows.RunId);
            statements.Execute(remove);
        }
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
}
