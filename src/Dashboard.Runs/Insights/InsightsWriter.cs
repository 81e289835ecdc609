using System.Text.Json;
using Dashboard.Runs.Storage;
using System.Data.Common;
using static Dashboard.Runs.Storage.StatementCache;

namespace Dashboard.Runs.Insights;

/// <summary>
/// Adds an <see cref="InsightsDelta"/> to the aggregates: from a pass behind ingestion (<see cref="InsightsOutbox"/>),
/// in the transaction that deletes the pending deltas it adds, or from a backfill at start. Everything but the additions
/// was worked out before.
/// </summary>
internal static class InsightsWriter
{
    private const int ExamplesKept = 5;

    // Columns of the stored row are named through the alias: PostgreSQL finds a bare name in DO UPDATE ambiguous
    // between the row and EXCLUDED; SQLite accepts either. The histogram is merged only when the batch adds durations
    // (most batches move a run's cost, not its duration): hist_merge is a call into .NET on SQLite, PL/pgSQL on PostgreSQL. Sharded (PostgreSQL): see RunsDatabase.InsightShard.
    private static string RunSql(bool sharded) => $"""
        INSERT INTO insight_runs AS r (grain, bucket, workflow_id{(sharded ? ", shard" : "")}, runs, running, waiting, completed, failed, cancelled, timeout, cost_pico, cost_reports, prompt_tokens, cached_tokens, completion_tokens, durations)
        VALUES (@grain, @bucket, @workflow{(sharded ? ", @shard" : "")}, @runs, @running, @waiting, @completed, @failed, @cancelled, @timeout, @cost, @costReports, @prompt, @cached, @completion, @durations)
        ON CONFLICT (grain, bucket, workflow_id{(sharded ? ", shard" : "")}) DO UPDATE SET runs = r.runs + excluded.runs, running = r.running + excluded.running,
            durations = CASE WHEN excluded.durations IS NULL THEN r.durations ELSE hist_merge(r.durations, excluded.durations) END,
            waiting = r.waiting + excluded.waiting, completed = r.completed + excluded.completed, failed = r.failed + excluded.failed,
            cancelled = r.cancelled + excluded.cancelled, timeout = r.timeout + excluded.timeout, cost_pico = r.cost_pico + excluded.cost_pico,
            cost_reports = r.cost_reports + excluded.cost_reports,
            prompt_tokens = r.prompt_tokens + excluded.prompt_tokens, cached_tokens = r.cached_tokens + excluded.cached_tokens,
            completion_tokens = r.completion_tokens + excluded.completion_tokens
        """;

    private static readonly string[] RunStatements = [RunSql(sharded: false), RunSql(sharded: true)];

    // A workflow's name, from the runs that name it. Its last run's start is read from the runs themselves (the index by
    // workflow and start): the row changes only when the name does (see WorkflowNamesWritten).
    private const string WorkflowSql = """
        INSERT INTO insight_workflows AS w (workflow_id, workflow_name) VALUES (@workflow, @name)
        ON CONFLICT (workflow_id) DO UPDATE SET workflow_name = coalesce(excluded.workflow_name, w.workflow_name)
        """;

    private const string KnownWorkflowSql = "INSERT INTO insight_workflows (workflow_id, workflow_name) VALUES (@workflow, @name) ON CONFLICT (workflow_id) DO NOTHING";

    private const string TriggerSql = "INSERT INTO insight_triggers (workflow_id, trigger_type) VALUES (@workflow, @trigger) ON CONFLICT DO NOTHING";

    private const string WorkflowModelSql = "INSERT INTO insight_workflow_models (workflow_id, model) VALUES (@workflow, @model) ON CONFLICT DO NOTHING";

    private const string StepUpdate = """
        DO UPDATE SET step_name = coalesce(excluded.step_name, s.step_name),
            durations = CASE WHEN excluded.durations IS NULL THEN s.durations ELSE hist_merge(s.durations, excluded.durations) END,
            attempts = s.attempts + excluded.attempts, retries = s.retries + excluded.retries, failed = s.failed + excluded.failed,
            cost_pico = s.cost_pico + excluded.cost_pico, cost_reports = s.cost_reports + excluded.cost_reports, prompt_tokens = s.prompt_tokens + excluded.prompt_tokens,
            cached_tokens = s.cached_tokens + excluded.cached_tokens, completion_tokens = s.completion_tokens + excluded.completion_tokens
        """;

    // SQLite: a statement a row (in process, a statement costs little more than its row).
    private const string StepSql = $"""
        INSERT INTO insight_steps AS s (grain, bucket, workflow_id, step_id, step_name, attempts, retries, failed, cost_pico, cost_reports, prompt_tokens, cached_tokens, completion_tokens, durations)
        VALUES (@grain, @bucket, @workflow, @step, @name, @attempts, @retries, @failed, @cost, @costReports, @prompt, @cached, @completion, @durations)
        ON CONFLICT (workflow_id, grain, bucket, step_id) {StepUpdate}
        """;

    // PostgreSQL: a batch's step rows in one statement, from arrays, in the order they are given (steps by id, then
    // grains) so that rows are locked in the same order as one statement a row would. A batch of 50 steps made 100
    // statements, each about 0.08 ms of the server's CPU, the most of any of ingestion's statements; one of 100 rows
    // costs about half as much as 100 pipelined ones (pgbench), and Npgsql binds 13 parameters instead of 1,300.
    private const string StepArraySql = $"""
        INSERT INTO insight_steps AS s (grain, bucket, workflow_id, step_id, shard, step_name, attempts, retries, failed, cost_pico, cost_reports, prompt_tokens, cached_tokens, completion_tokens, durations)
        SELECT g.grain, g.bucket, @workflow, x.step_id, @shard, x.step_name, x.attempts, x.retries, x.failed, x.cost_pico, x.cost_reports, x.prompt, x.cached, x.completion, x.durations
        FROM unnest(@steps::text[], @names::text[], @attempts::bigint[], @retries::bigint[], @failed::bigint[], @cost::bigint[], @costReports::bigint[],
                @prompt::bigint[], @cached::bigint[], @completion::bigint[], @durations::bytea[])
            WITH ORDINALITY AS x(step_id, step_name, attempts, retries, failed, cost_pico, cost_reports, prompt, cached, completion, durations, n)
        CROSS JOIN unnest(@grains::integer[], @buckets::bigint[]) WITH ORDINALITY AS g(grain, bucket, k)
        ORDER BY x.n, g.k
        ON CONFLICT (workflow_id, grain, bucket, step_id, shard) {StepUpdate}
        """;

    private static string ModelSql(bool sharded) => $"""
        INSERT INTO insight_models AS m (grain, bucket, workflow_id, model{(sharded ? ", shard" : "")}, calls, failed, cost_pico, cost_reports, prompt_tokens, cached_tokens, completion_tokens)
        VALUES (@grain, @bucket, @workflow, @model{(sharded ? ", @shard" : "")}, @calls, @failed, @cost, @costReports, @prompt, @cached, @completion)
        ON CONFLICT (grain, bucket, workflow_id, model{(sharded ? ", shard" : "")}) DO UPDATE SET calls = m.calls + excluded.calls, failed = m.failed + excluded.failed,
            cost_pico = m.cost_pico + excluded.cost_pico, cost_reports = m.cost_reports + excluded.cost_reports, prompt_tokens = m.prompt_tokens + excluded.prompt_tokens,
            cached_tokens = m.cached_tokens + excluded.cached_tokens, completion_tokens = m.completion_tokens + excluded.completion_tokens
        """;

    private static readonly string[] ModelStatements = [ModelSql(sharded: false), ModelSql(sharded: true)];

    private const string FailureGroupSql = """
        INSERT INTO insight_failure_groups AS g (signature, workflow_id, step_id, error_code, error_type, message, first_seen, last_seen, examples)
        VALUES (@signature, @workflow, @step, @code, @type, @message, @at, @at, @examples)
        ON CONFLICT (signature) DO UPDATE SET first_seen = CASE WHEN g.first_seen < excluded.first_seen THEN g.first_seen ELSE excluded.first_seen END,
            message = CASE WHEN excluded.last_seen >= g.last_seen THEN excluded.message ELSE g.message END,
            last_seen = CASE WHEN g.last_seen > excluded.last_seen THEN g.last_seen ELSE excluded.last_seen END, examples = excluded.examples
        """;

    private const string FailureCountSql = """
        INSERT INTO insight_failures AS f (grain, bucket, signature, workflow_id, count) VALUES (@grain, @bucket, @signature, @workflow, 1)
        ON CONFLICT (grain, bucket, signature) DO UPDATE SET count = f.count + 1
        """;

    private const string FailureWorkflowSql = """
        INSERT INTO insight_workflows AS w (workflow_id, last_failure_at) VALUES (@workflow, @at)
        ON CONFLICT (workflow_id) DO UPDATE SET
            last_failure_at = CASE WHEN coalesce(w.last_failure_at, 0) > excluded.last_failure_at THEN w.last_failure_at ELSE excluded.last_failure_at END
        """;

    /// <summary>
    /// Adds <paramref name="delta"/>; <paramref name="shard"/>: the row of each aggregate to add to, where they are split
    /// (PostgreSQL); <paramref name="names"/>: the workflow names written lately, null to write the name whatever it is.
    /// </summary>
    public static void Write(StatementCache statements, DbTransaction transaction, InsightsDelta delta, int? shard, WorkflowNamesWritten? names = null)
    {
        if (delta.Run is { } run)
        {
            var command = statements.For(transaction, RunStatements[shard is null ? 0 : 1]);
            if (shard is not null)
            {
                Set(command, "shard", shard);
            }
            WriteRun(statements, command, run);
        }
        if (delta.Workflow is { } workflow)
        {
            var command = statements.For(transaction, names?.Holds(workflow.WorkflowId, workflow.Name) == true ? KnownWorkflowSql : WorkflowSql);
            Set(command, "workflow", workflow.WorkflowId);
            Set(command, "name", workflow.Name);
            statements.Execute(command);
            names?.Wrote(workflow.WorkflowId, workflow.Name);
            if (workflow.Trigger is { } trigger)
            {
                var triggers = statements.For(transaction, TriggerSql);
                Set(triggers, "workflow", workflow.WorkflowId);
                Set(triggers, "trigger", trigger);
                statements.Execute(triggers);
            }
        }
        if (delta.Steps.Count > 0 && shard is not null)
        {
            WriteStepArrays(statements, statements.For(transaction, StepArraySql), delta, shard.Value);
        }
        else if (delta.Steps.Count > 0)
        {
            WriteSteps(statements, statements.For(transaction, StepSql), delta);
        }
        if (delta.Models.Count > 0)
        {
            var command = statements.For(transaction, ModelStatements[shard is null ? 0 : 1]);
            if (shard is not null)
            {
                Set(command, "shard", shard);
            }
            WriteModels(statements, command, delta, InsightsSchema.ModelGrains);
            var known = statements.For(transaction, WorkflowModelSql);
            Set(known, "workflow", delta.WorkflowId);
            foreach (var model in delta.Models.Select(m => m.Model).Order(StringComparer.Ordinal))
            {
                Set(known, "model", model);
                statements.Execute(known);
            }
        }
        if (delta.Failure is { } failure)
        {
            WriteFailure(statements, transaction, delta, failure);
        }
    }

    /// <summary>Only the minute rows of a batch's models (<see cref="InsightsBackfill"/>: a store from before they were kept).</summary>
    public static void WriteModelMinutes(StatementCache statements, DbTransaction transaction, InsightsDelta delta, int? shard)
    {
        if (delta.Models.Count == 0)
        {
            return;
        }
        var command = statements.For(transaction, ModelStatements[shard is null ? 0 : 1]);
        if (shard is not null)
        {
            Set(command, "shard", shard);
        }
        WriteModels(statements, command, delta, [InsightsSchema.MinuteGrain]);
    }

    private static void WriteModels(StatementCache statements, DbCommand command, InsightsDelta delta, int[] grains)
    {
        Set(command, "workflow", delta.WorkflowId);
        // In one order in every transaction, as the steps (no deadlock between two batches of one workflow).
        foreach (var model in delta.Models.OrderBy(m => m.Model, StringComparer.Ordinal))
        {
            Set(command, "model", model.Model);
            Set(command, "calls", model.Calls);
            Set(command, "failed", model.Failed);
            Set(command, "cost", model.CostPico);
            Set(command, "costReports", model.CostReports);
            Set(command, "prompt", model.Prompt);
            Set(command, "cached", model.Cached);
            Set(command, "completion", model.Completion);
            foreach (var grain in grains)
            {
                Set(command, "grain", grain);
                Set(command, "bucket", delta.ModelBuckets[Array.IndexOf(InsightsSchema.ModelGrains, grain)]);
                statements.Execute(command);
            }
        }
    }

    private static void WriteRun(StatementCache statements, DbCommand command, RunCounts run)
    {
        Set(command, "workflow", run.WorkflowId);
        Set(command, "runs", run.NewRuns);
        Set(command, "running", run.Running);
        Set(command, "waiting", run.Waiting);
        Set(command, "completed", run.Completed);
        Set(command, "failed", run.Failed);
        Set(command, "cancelled", run.Cancelled);
        Set(command, "timeout", run.Timeout);
        Set(command, "cost", run.CostPico);
        Set(command, "costReports", run.CostReports);
        Set(command, "prompt", run.Prompt);
        Set(command, "cached", run.Cached);
        Set(command, "completion", run.Completion);
        Set(command, "durations", run.Durations);
        for (var i = 0; i < InsightsSchema.Grains.Length; i++)
        {
            Set(command, "grain", InsightsSchema.Grains[i]);
            Set(command, "bucket", run.Buckets[i]);
            statements.Execute(command);
        }
    }

    private static void WriteSteps(StatementCache statements, DbCommand command, InsightsDelta delta)
    {
        Set(command, "workflow", delta.WorkflowId);
        // In one order (by step id) in every transaction: two batches of one workflow, each holding the rows of steps the
        // other wants, would deadlock where writers of different runs proceed together (PostgreSQL).
        foreach (var step in delta.Steps.OrderBy(s => s.StepId, StringComparer.Ordinal))
        {
            Set(command, "step", step.StepId);
            Set(command, "name", step.StepName);
            Set(command, "attempts", step.Attempts);
            Set(command, "retries", step.Retries);
            Set(command, "failed", step.Failed);
            Set(command, "cost", step.CostPico);
            Set(command, "costReports", step.CostReports);
            Set(command, "prompt", step.Prompt);
            Set(command, "cached", step.Cached);
            Set(command, "completion", step.Completion);
            Set(command, "durations", step.Durations);
            for (var i = 0; i < InsightsSchema.StepGrains.Length; i++)
            {
                Set(command, "grain", InsightsSchema.StepGrains[i]);
                Set(command, "bucket", delta.StepBuckets[i]);
                statements.Execute(command);
            }
        }
    }

    private static void WriteStepArrays(StatementCache statements, DbCommand command, InsightsDelta delta, int shard)
    {
        // In the order of WriteSteps: by step id, then grain.
        var steps = delta.Steps.OrderBy(s => s.StepId, StringComparer.Ordinal).ToArray();
        Set(command,
            ("workflow", delta.WorkflowId), ("shard", shard), ("steps", Array.ConvertAll(steps, s => s.StepId)),
            ("names", Array.ConvertAll(steps, s => s.StepName)), ("attempts", Array.ConvertAll(steps, s => (long)s.Attempts)),
            ("retries", Array.ConvertAll(steps, s => (long)s.Retries)), ("failed", Array.ConvertAll(steps, s => (long)s.Failed)),
            ("cost", Array.ConvertAll(steps, s => s.CostPico)), ("costReports", Array.ConvertAll(steps, s => (long)s.CostReports)),
            ("prompt", Array.ConvertAll(steps, s => s.Prompt)), ("cached", Array.ConvertAll(steps, s => s.Cached)),
            ("completion", Array.ConvertAll(steps, s => s.Completion)), ("durations", Array.ConvertAll(steps, s => s.Durations)),
            ("grains", InsightsSchema.StepGrains), ("buckets", delta.StepBuckets));
        statements.Execute(command);
    }

    // A run that fails again after a resume moves to the group of its last failure, as the group's examples do.
    private const string RunFailureSql = "INSERT INTO run_failures (run_id, signature) VALUES (@run, @signature) ON CONFLICT (run_id) DO UPDATE SET signature = excluded.signature";

    /// <summary>Which failure group the run is in (the list's filter by group).</summary>
    public static void WriteRunFailure(StatementCache statements, DbTransaction transaction, FailureSeen failure)
    {
        var command = statements.For(transaction, RunFailureSql);
        Set(command, "run", failure.RunId);
        Set(command, "signature", failure.Signature);
        statements.Execute(command);
    }

    private static void WriteFailure(StatementCache statements, DbTransaction transaction, InsightsDelta delta, FailureSeen failure)
    {
        // The group keeps its latest examples: read, put this run first, write back (inside the transaction, so two
        // failing runs of one group cannot lose each other).
        List<string> examples = [];
        // Where writes are queued (PostgreSQL), those of a failure of the same group earlier in this transaction are sent
        // first, so that the read sees them.
        statements.Flush(transaction);
        var read = statements.For(transaction, "SELECT examples FROM insight_failure_groups WHERE signature = @signature");
        Set(read, "signature", failure.Signature);
        if (read.ExecuteScalar() is string json)
        {
            examples = JsonSerializer.Deserialize<List<string>>(json) ?? [];
        }
        examples.Remove(failure.RunId);
        examples.Insert(0, failure.RunId);

        var group = statements.For(transaction, FailureGroupSql);
        Set(group, "signature", failure.Signature);
        Set(group, "workflow", delta.WorkflowId);
        Set(group, "step", failure.StepId);
        Set(group, "code", failure.Code);
        Set(group, "type", failure.Type);
        Set(group, "message", failure.Message);
        Set(group, "at", failure.At);
        Set(group, "examples", JsonSerializer.Serialize(examples.Take(ExamplesKept)));
        statements.Execute(group);

        var count = statements.For(transaction, FailureCountSql);
        Set(count, "signature", failure.Signature);
        Set(count, "workflow", delta.WorkflowId);
        foreach (var grain in InsightsSchema.Grains)
        {
            Set(count, "grain", grain);
            Set(count, "bucket", InsightsSchema.BucketOf(delta.Start, grain));
            statements.Execute(count);
        }

        WriteRunFailure(statements, transaction, failure);

        var workflow = statements.For(transaction, FailureWorkflowSql);
        Set(workflow, "workflow", delta.WorkflowId);
        Set(workflow, "at", failure.At);
        statements.Execute(workflow);
    }
}
