using System.Text.Json;
using Dashboard.Model.Json;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using Dashboard.Runs.Storage;
using System.Data.Common;

namespace Dashboard.Runs.Insights;

/// <summary>
/// A data file written before the insights aggregates existed has runs but no aggregates: they are counted once, at
/// start, from the stored records and attempts, in the start-up transaction. A file with any aggregate row, or any delta
/// waiting to be added (<see cref="InsightsOutbox"/>), is left as is.
/// The cost by model came later than the rest: a file with the other aggregates gets only those counted, once (marked
/// in <c>insight_backfills</c>, as a fleet without model calls has no row to tell it was done). Models were first kept by
/// the hour and day only: a file with those gets its models' minute rows counted, once, the same way; and which workflow
/// called which model (the list's model picker) is read once from the day rows.
/// </summary>
internal static class InsightsBackfill
{
    private const int Page = 500;
    private const string ModelsDone = "models";
    private const string ModelMinutesDone = "models-by-minute";
    private const string WorkflowModelsDone = "workflow-models";
    private const string RunFailuresDone = "run-failures";

    public static int Run(DbTransaction transaction, StatementCache statements, int? shard)
    {
        var modelsCounted = IsDone(transaction, ModelsDone);
        // Deltas still pending (a service stopped before adding its first batches) are counted when they are added.
        var count = Backfill.IsNeeded(transaction, "insight_runs") && Backfill.IsNeeded(transaction, "insight_pending")
            ? CountRuns(transaction, delta => InsightsWriter.Write(statements, transaction, modelsCounted ? delta with { Models = [] } : delta, shard), statements)
            : 0;
        if (!modelsCounted)
        {
            if (count == 0)
            {
                // Only the models' rows: the rest is counted already.
                CountRuns(transaction, delta => InsightsWriter.Write(statements, transaction,
                    delta with { Run = null, Workflow = null, Steps = [], Failure = null }, shard), statements);
            }
            MarkDone(transaction, ModelsDone);
        }
        else if (!IsDone(transaction, ModelMinutesDone))
        {
            // Hour and day rows are there; only the minute rows are missing.
            CountRuns(transaction, delta => InsightsWriter.WriteModelMinutes(statements, transaction, delta, shard), statements);
        }
        MarkDone(transaction, ModelMinutesDone);
        if (!IsDone(transaction, WorkflowModelsDone))
        {
            // Which workflow called which model is in the day rows already (counted above if they were not).
            statements.Flush(transaction);
            using var command = transaction.Connection!.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO insight_workflow_models (workflow_id, model) SELECT DISTINCT workflow_id, model FROM insight_models "
                + $"WHERE grain = {InsightsSchema.DayGrain} ON CONFLICT DO NOTHING";
            command.ExecuteNonQuery();
            MarkDone(transaction, WorkflowModelsDone);
        }
        if (!IsDone(transaction, RunFailuresDone))
        {
            // Which group each failed run is in came after the groups: the failed runs are read once more (the full count
            // above placed them already).
            if (count == 0)
            {
                CountRuns(transaction, delta =>
                {
                    if (delta.Failure is { } failure)
                    {
                        InsightsWriter.WriteRunFailure(statements, transaction, failure);
                    }
                }, statements, failedOnly: true);
            }
            MarkDone(transaction, RunFailuresDone);
        }
        return count;
    }

    private static int CountRuns(DbTransaction transaction, Action<InsightsDelta> write, StatementCache statements, bool failedOnly = false)
    {
        var connection = transaction.Connection!;
        var count = 0;
        var after = "";
        while (true)
        {
            // A page of records at a time, read to the end before the attempts are: a PostgreSQL connection runs one
            // command at a time, and a file of a million runs is not held in memory at once.
            var records = Records(connection, transaction, after, failedOnly);
            if (records.Count == 0)
            {
                return count;
            }
            after = records[^1].Id;
            foreach (var record in records.Where(r => r.StartedAt is not null))
            {
                var stored = Attempts(connection, transaction, record.Id);
                write(InsightsDelta.OfStoredRun(RunState.FromSnapshot(record, stored, null)));
                // Before the next run's: a failure group's examples are read back from the table.
                statements.Flush(transaction);
                count++;
            }
        }
    }

    private static bool IsDone(DbTransaction transaction, string name)
    {
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM insight_backfills WHERE name = @name)";
        command.With("name", name);
        return Convert.ToBoolean(command.ExecuteScalar());
    }

    private static void MarkDone(DbTransaction transaction, string name)
    {
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO insight_backfills (name) VALUES (@name) ON CONFLICT DO NOTHING";
        command.With("name", name);
        command.ExecuteNonQuery();
    }

    private static List<RunRecord> Records(DbConnection connection, DbTransaction transaction, string after, bool failedOnly)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT record_json FROM runs WHERE id > @after {(failedOnly ? "AND status IN ('failed', 'timeout') " : "")}ORDER BY id LIMIT @limit";
        command.With("after", after).With("limit", Page);
        using var reader = command.ExecuteReader();
        var records = new List<RunRecord>();
        while (reader.Read())
        {
            records.Add(JsonSerializer.Deserialize<RunRecord>(reader.GetString(0), ModelJson.Options)!);
        }
        return records;
    }

    private static List<StepTrace> Attempts(DbConnection connection, DbTransaction transaction, string runId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT coalesce(timeline_json, trace_json) FROM run_steps WHERE run_id = @run ORDER BY order_index, attempt";
        command.With("run", runId);
        using var reader = command.ExecuteReader();
        var stored = new List<StepTrace>();
        while (reader.Read())
        {
            stored.Add(JsonSerializer.Deserialize<StepTrace>(reader.GetString(0), ModelJson.Options)!);
        }
        return stored;
    }
}
