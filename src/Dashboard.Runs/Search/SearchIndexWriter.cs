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

    // PostgreSQL: a pass's documents in one statement, from arrays, in their order (ids, which order hits newest first,
    // follow it). A statement a document was about a tenth of the server's CPU under ingestion beside the words' own cost,
    // and the indexer keeps up with ingestion only as fast as its one connection goes.
    private const string InsertArraysSql = """
        INSERT INTO run_search (run_id, workflow_id, started_at, step_id, loop_index, attempt, field, log_seq, body)
        SELECT d.run_id, d.workflow_id, d.started_at, d.step_id, d.loop_index, d.attempt, d.field, d.log_seq, d.body
        FROM unnest(@runs::text[], @workflows::text[], @started::bigint[], @steps::text[], @loops::bigint[], @attempts::integer[], @fields::text[],
                @seqs::bigint[], @bodies::text[])
            WITH ORDINALITY AS d(run_id, workflow_id, started_at, step_id, loop_index, attempt, field, log_seq, body, n)
        ORDER BY d.n
        """;

    /// <summary>
    /// Writes the documents of <paramref name="batches"/> in their order: as arrays in one statement where the store binds
    /// them (<paramref name="asArrays"/>, PostgreSQL), else a statement a document.
    /// </summary>
    public static void WriteAll(StatementCache statements, DbTransaction transaction, IReadOnlyList<SearchRows> batches, bool asArrays)
    {
        if (!asArrays)
        {
            foreach (var batch in batches)
            {
                Write(statements, transaction, batch);
            }
            return;
        }
        var count = batches.Sum(b => b.Documents.Count);
        if (count == 0)
        {
            return;
        }
        var (runs, workflows, started) = (new string[count], new string[count], new long[count]);
        var (steps, loops, attempts, fields, seqs, bodies) = (new string?[count], new long[count], new int?[count], new string[count], new long?[count], new string[count]);
        var i = 0;
        foreach (var batch in batches)
        {
            foreach (var document in batch.Documents)
            {
                (runs[i], workflows[i], started[i]) = (batch.RunId, batch.WorkflowId, batch.StartedAt);
                (steps[i], loops[i], attempts[i], fields[i], seqs[i], bodies[i]) = (document.StepId, document.LoopKey, document.Attempt, document.Field, document.LogSeq, document.Body);
                i++;
            }
        }
        var insert = statements.For(transaction, InsertArraysSql);
        Set(insert,
            ("runs", runs), ("workflows", workflows), ("started", started), ("steps", steps), ("loops", loops), ("attempts", attempts),
            ("fields", fields), ("seqs", seqs), ("bodies", bodies));
        statements.Execute(insert);
    }

    private static void Write(StatementCache statements, DbTransaction transaction, SearchRows rows)
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
