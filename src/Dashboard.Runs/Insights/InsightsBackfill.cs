using System.Text.Json;
using Dashboard.Model.Json;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using Dashboard.Runs.Storage;
using Microsoft.Data.Sqlite;

namespace Dashboard.Runs.Insights;

/// <summary>
/// A data file written before the insights aggregates existed has runs but no aggregates: they are counted once, at
/// start, from the stored records and attempts, in the start-up transaction. A file with any aggregate row is left as is.
/// </summary>
internal static class InsightsBackfill
{
    public static int Run(SqliteTransaction transaction, StatementCache statements)
    {
        var connection = transaction.Connection!;
        using (var probe = connection.CreateCommand())
        {
            probe.Transaction = transaction;
            probe.CommandText = "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM insight_runs LIMIT 1)), (SELECT COUNT(*) FROM (SELECT 1 FROM runs LIMIT 1))";
            using var reader = probe.ExecuteReader();
            reader.Read();
            if (reader.GetInt64(0) > 0 || reader.GetInt64(1) == 0)
            {
                return 0;
            }
        }
        using var runs = connection.CreateCommand();
        runs.Transaction = transaction;
        runs.CommandText = "SELECT record_json FROM runs";
        using var attempts = connection.CreateCommand();
        attempts.Transaction = transaction;
        attempts.CommandText = "SELECT coalesce(timeline_json, trace_json) FROM run_steps WHERE run_id = $run ORDER BY order_index, attempt";
        var runId = attempts.Parameters.Add("$run", SqliteType.Text);

        var count = 0;
        using var reader2 = runs.ExecuteReader();
        while (reader2.Read())
        {
            var record = JsonSerializer.Deserialize<RunRecord>(reader2.GetString(0), ModelJson.Options)!;
            if (record.StartedAt is null)
            {
                continue;
            }
            runId.Value = record.Id;
            var stored = new List<StepTrace>();
            using (var steps = attempts.ExecuteReader())
            {
                while (steps.Read())
                {
                    stored.Add(JsonSerializer.Deserialize<StepTrace>(steps.GetString(0), ModelJson.Options)!);
                }
            }
            InsightsWriter.Write(statements, transaction, InsightsDelta.OfStoredRun(RunState.FromSnapshot(record, stored, null)));
            count++;
        }
        return count;
    }
}
