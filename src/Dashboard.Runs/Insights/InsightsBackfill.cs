using System.Text.Json;
using Dashboard.Model.Json;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using Dashboard.Runs.Storage;
using System.Data.Common;

namespace Dashboard.Runs.Insights;

/// <summary>
/// A data file written before the insights aggregates existed has runs but no aggregates: they are counted once, at
/// start, from the stored records and attempts, in the start-up transaction. A file with any aggregate row is left as is.
/// </summary>
internal static class InsightsBackfill
{
    private const int Page = 500;

    public static int Run(DbTransaction transaction, StatementCache statements, int? shard)
    {
        var connection = transaction.Connection!;
        if (!Backfill.IsNeeded(transaction, "insight_runs"))
        {
            return 0;
        }
        var count = 0;
        var after = "";
        while (true)
        {
            // A page of records at a time, read to the end before the attempts are: a PostgreSQL connection runs one
            // command at a time, and a file of a million runs is not held in memory at once.
            var records = Records(connection, transaction, after);
            if (records.Count == 0)
            {
                return count;
            }
            after = records[^1].Id;
            foreach (var record in records.Where(r => r.StartedAt is not null))
            {
                var stored = Attempts(connection, transaction, record.Id);
                InsightsWriter.Write(statements, transaction, InsightsDelta.OfStoredRun(RunState.FromSnapshot(record, stored, null)), shard);
                // Before the next run's: a failure group's examples are read back from the table.
                statements.Flush(transaction);
                count++;
            }
        }
    }

    private static List<RunRecord> Records(DbConnection connection, DbTransaction transaction, string after)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT record_json FROM runs WHERE id > @after ORDER BY id LIMIT @limit";
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
