using System.Text.Json;
using Dashboard.Model.Events;
using Dashboard.Model.Insights;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using Microsoft.Data.Sqlite;

namespace Dashboard.Runs.Insights;

/// <summary>
/// Moves the insights aggregates by what one accepted batch changed: the run's status, cost and tokens (from the record
/// before and after), its duration once it finishes, each finished step attempt, and the failure group of a run that
/// has just failed or timed out. Called inside the transaction that appends the batch, so both land or neither does.
/// </summary>
internal static class InsightsWriter
{
    private const int ExamplesKept = 5;

    /// <summary>For an accepted batch: <paramref name="before"/> is the record as it was, null for a new run.</summary>
    public static void Write(SqliteTransaction transaction, RunRecord? before, RunState state, IReadOnlyList<RunEvent> applied) =>
        Write(transaction, before, state, applied.OfType<StepEndEvent>().Select(end => AttemptOf(state, end)).OfType<StepTrace>());

    /// <summary>
    /// Counts a whole stored run as if it had just been reported: for data files written before the aggregates existed
    /// (<see cref="InsightsBackfill"/>).
    /// </summary>
    public static void WriteStoredRun(SqliteTransaction transaction, RunState state) =>
        Write(transaction, null, state, state.Steps.SelectMany(history => history.Attempts).Where(a => a.Status is StepStatus.Completed or StepStatus.Failed));

    private static void Write(SqliteTransaction transaction, RunRecord? before, RunState state, IEnumerable<StepTrace> finishedAttempts)
    {
        var after = state.Record!;
        var start = after.StartedAt!.Value;
        var justFinished = after.Status.IsTerminal() && before?.Status.IsTerminal() != true;
        WriteRun(transaction, before, after, start, justFinished && after.DurationMs is { } duration ? DurationHistogram.Of([duration]) : null);
        WriteSteps(transaction, start, after.WorkflowId, finishedAttempts);
        if (after.Status is RunStatus.Failed or RunStatus.Timeout && before?.Status is not (RunStatus.Failed or RunStatus.Timeout))
        {
            WriteFailure(transaction, state, after, start);
        }
    }

    private static void WriteRun(SqliteTransaction transaction, RunRecord? before, RunRecord after, DateTimeOffset start, byte[]? duration)
    {
        var statusBefore = before?.Status;
        var cost = Pico(after.CostUsd) - Pico(before?.CostUsd);
        var (prompt, cached, completion) = (after.PromptTokens - (before?.PromptTokens ?? 0), after.CachedTokens - (before?.CachedTokens ?? 0),
            after.CompletionTokens - (before?.CompletionTokens ?? 0));
        if (before is not null && statusBefore == after.Status && cost == 0 && prompt == 0 && cached == 0 && completion == 0)
        {
            return;
        }
        long Moved(RunStatus status) => (after.Status == status ? 1 : 0) - (statusBefore == status ? 1 : 0);

        using var command = Command(transaction, """
            INSERT INTO insight_runs (grain, bucket, workflow_id, runs, running, waiting, completed, failed, cancelled, timeout, cost_pico, prompt_tokens, cached_tokens, completion_tokens, durations)
            VALUES ($grain, $bucket, $workflow, $runs, $running, $waiting, $completed, $failed, $cancelled, $timeout, $cost, $prompt, $cached, $completion, $durations)
            ON CONFLICT (grain, bucket, workflow_id) DO UPDATE SET runs = runs + excluded.runs, running = running + excluded.running,
                durations = hist_merge(durations, excluded.durations),
                waiting = waiting + excluded.waiting, completed = completed + excluded.completed, failed = failed + excluded.failed,
                cancelled = cancelled + excluded.cancelled, timeout = timeout + excluded.timeout, cost_pico = cost_pico + excluded.cost_pico,
                prompt_tokens = prompt_tokens + excluded.prompt_tokens, cached_tokens = cached_tokens + excluded.cached_tokens,
                completion_tokens = completion_tokens + excluded.completion_tokens
            """);
        command.Parameters.AddWithValue("$workflow", after.WorkflowId);
        command.Parameters.AddWithValue("$runs", before is null ? 1 : 0);
        command.Parameters.AddWithValue("$running", Moved(RunStatus.Running));
        command.Parameters.AddWithValue("$waiting", Moved(RunStatus.Waiting));
        command.Parameters.AddWithValue("$completed", Moved(RunStatus.Completed));
        command.Parameters.AddWithValue("$failed", Moved(RunStatus.Failed));
        command.Parameters.AddWithValue("$cancelled", Moved(RunStatus.Cancelled));
        command.Parameters.AddWithValue("$timeout", Moved(RunStatus.Timeout));
        command.Parameters.AddWithValue("$cost", cost);
        command.Parameters.AddWithValue("$prompt", prompt);
        command.Parameters.AddWithValue("$cached", cached);
        command.Parameters.AddWithValue("$completion", completion);
        command.Parameters.Add("$durations", SqliteType.Blob).Value = (object?)duration ?? DBNull.Value;
        ForEachGrain(command, start);

        if (before is null)
        {
            using var workflow = Command(transaction, """
                INSERT INTO insight_workflows (workflow_id, workflow_name, last_run_at) VALUES ($workflow, $name, $at)
                ON CONFLICT (workflow_id) DO UPDATE SET workflow_name = coalesce(excluded.workflow_name, workflow_name),
                    last_run_at = max(coalesce(last_run_at, 0), excluded.last_run_at)
                """);
            workflow.Parameters.AddWithValue("$workflow", after.WorkflowId);
            workflow.Parameters.AddWithValue("$name", (object?)after.WorkflowName ?? DBNull.Value);
            workflow.Parameters.AddWithValue("$at", start.ToUnixTimeMilliseconds());
            workflow.ExecuteNonQuery();
            if (after.TriggerType is { } trigger)
            {
                using var triggers = Command(transaction, "INSERT OR IGNORE INTO insight_triggers (workflow_id, trigger_type) VALUES ($workflow, $trigger)");
                triggers.Parameters.AddWithValue("$workflow", after.WorkflowId);
                triggers.Parameters.AddWithValue("$trigger", trigger);
                triggers.ExecuteNonQuery();
            }
        }
    }

    private static StepTrace? AttemptOf(RunState state, StepEndEvent end)
    {
        if (end.StepId is null || state.GetStep(end.StepId, end.LoopIndex) is not { } history || history.Attempts.Count == 0)
        {
            return null;
        }
        return end.Attempt is { } number ? history.Attempts.LastOrDefault(a => a.Attempt == number) : history.Attempts[^1];
    }

    /// <summary>
    /// The batch's finished attempts, summed per step first: a loop of a hundred iterations in one batch is one upsert
    /// and one histogram update per grain, not a hundred.
    /// </summary>
    private static void WriteSteps(SqliteTransaction transaction, DateTimeOffset start, string workflowId, IEnumerable<StepTrace> attempts)
    {
        using var command = Command(transaction, """
            INSERT INTO insight_steps (grain, bucket, workflow_id, step_id, step_name, attempts, retries, failed, cost_pico, prompt_tokens, cached_tokens, completion_tokens, durations)
            VALUES ($grain, $bucket, $workflow, $step, $name, $attempts, $retries, $failed, $cost, $prompt, $cached, $completion, $durations)
            ON CONFLICT (workflow_id, grain, bucket, step_id) DO UPDATE SET step_name = coalesce(excluded.step_name, step_name),
                durations = hist_merge(durations, excluded.durations),
                attempts = attempts + excluded.attempts, retries = retries + excluded.retries, failed = failed + excluded.failed,
                cost_pico = cost_pico + excluded.cost_pico, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
                cached_tokens = cached_tokens + excluded.cached_tokens, completion_tokens = completion_tokens + excluded.completion_tokens
            """);
        foreach (var step in attempts.GroupBy(a => a.StepId, StringComparer.Ordinal))
        {
            var tokens = step.Aggregate(TokenBreakdown.Zero, (sum, a) => sum + (a.Tokens ?? TokenBreakdown.Zero));
            Set(command, "$workflow", workflowId);
            Set(command, "$step", step.Key);
            Set(command, "$name", step.Select(a => a.StepName).LastOrDefault(name => name is not null));
            Set(command, "$attempts", step.Count());
            Set(command, "$retries", step.Count(a => a.Attempt > 1));
            Set(command, "$failed", step.Count(a => a.Status == StepStatus.Failed));
            Set(command, "$cost", step.Sum(a => Pico(a.CostUsd)));
            Set(command, "$prompt", tokens.Prompt);
            Set(command, "$cached", tokens.Cached);
            Set(command, "$completion", tokens.Completion);
            var durations = step.Select(a => a.DurationMs).OfType<long>().ToList();
            Set(command, "$durations", durations.Count == 0 ? null : DurationHistogram.Of(durations));
            foreach (var grain in InsightsSchema.StepGrains)
            {
                Set(command, "$grain", grain);
                Set(command, "$bucket", InsightsSchema.BucketOf(start, grain));
                command.ExecuteNonQuery();
            }
        }
    }

    /// <summary>Sets a parameter of a command that runs many times (adding it the first time); its type follows the value.</summary>
    private static void Set(SqliteCommand command, string name, object? value)
    {
        if (!command.Parameters.Contains(name))
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }
        command.Parameters[name].Value = value ?? DBNull.Value;
    }

    private static void WriteFailure(SqliteTransaction transaction, RunState state, RunRecord after, DateTimeOffset start)
    {
        var error = after.Error;
        if (error is null && after.FailedStepId is { } failedStep && state.GetStep(failedStep, after.FailedStepLoopIndex) is { Attempts.Count: > 0 } history)
        {
            error = history.Attempts[^1].ErrorContext;
        }
        var message = error?.Message is { Length: > 0 } text ? text : after.Status == RunStatus.Timeout ? "The run timed out." : "The run failed.";
        var signature = FailureSignature.Of(after.WorkflowId, after.FailedStepId, error?.Code ?? error?.Type, FailureSignature.Normalize(message));
        var at = (after.CompletedAt ?? after.LastEventAt ?? start).ToUnixTimeMilliseconds();

        List<string> examples = [];
        using (var read = Command(transaction, "SELECT examples FROM insight_failure_groups WHERE signature = $signature"))
        {
            read.Parameters.AddWithValue("$signature", signature);
            if (read.ExecuteScalar() is string json)
            {
                examples = JsonSerializer.Deserialize<List<string>>(json) ?? [];
            }
        }
        examples.Remove(after.Id);
        examples.Insert(0, after.Id);
        using (var group = Command(transaction, """
            INSERT INTO insight_failure_groups (signature, workflow_id, step_id, error_code, error_type, message, first_seen, last_seen, examples)
            VALUES ($signature, $workflow, $step, $code, $type, $message, $at, $at, $examples)
            ON CONFLICT (signature) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen),
                message = CASE WHEN excluded.last_seen >= last_seen THEN excluded.message ELSE message END,
                last_seen = max(last_seen, excluded.last_seen), examples = excluded.examples
            """))
        {
            group.Parameters.AddWithValue("$signature", signature);
            group.Parameters.AddWithValue("$workflow", after.WorkflowId);
            group.Parameters.AddWithValue("$step", (object?)after.FailedStepId ?? DBNull.Value);
            group.Parameters.AddWithValue("$code", (object?)error?.Code ?? DBNull.Value);
            group.Parameters.AddWithValue("$type", (object?)error?.Type ?? DBNull.Value);
            group.Parameters.AddWithValue("$message", message);
            group.Parameters.AddWithValue("$at", at);
            group.Parameters.AddWithValue("$examples", JsonSerializer.Serialize(examples.Take(ExamplesKept)));
            group.ExecuteNonQuery();
        }
        using (var count = Command(transaction, """
            INSERT INTO insight_failures (grain, bucket, signature, workflow_id, count) VALUES ($grain, $bucket, $signature, $workflow, 1)
            ON CONFLICT (grain, bucket, signature) DO UPDATE SET count = count + 1
            """))
        {
            count.Parameters.AddWithValue("$signature", signature);
            count.Parameters.AddWithValue("$workflow", after.WorkflowId);
            ForEachGrain(count, start);
        }
        using var workflow = Command(transaction, """
            INSERT INTO insight_workflows (workflow_id, last_failure_at) VALUES ($workflow, $at)
            ON CONFLICT (workflow_id) DO UPDATE SET last_failure_at = max(coalesce(last_failure_at, 0), excluded.last_failure_at)
            """);
        workflow.Parameters.AddWithValue("$workflow", after.WorkflowId);
        workflow.Parameters.AddWithValue("$at", at);
        workflow.ExecuteNonQuery();
    }

    /// <summary>Runs the command once per grain, with <c>$grain</c> and <c>$bucket</c> set for the run's start.</summary>
    private static void ForEachGrain(SqliteCommand command, DateTimeOffset start, int[]? grains = null)
    {
        var grain = command.Parameters.Add("$grain", SqliteType.Integer);
        var bucket = command.Parameters.Add("$bucket", SqliteType.Integer);
        foreach (var g in grains ?? InsightsSchema.Grains)
        {
            grain.Value = g;
            bucket.Value = InsightsSchema.BucketOf(start, g);
            command.ExecuteNonQuery();
        }
    }

    private static SqliteCommand Command(SqliteTransaction transaction, string sql)
    {
        var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static long Pico(decimal? usd) => usd is { } value ? (long)decimal.Round(value * InsightsSchema.PicoPerUsd) : 0;
}
