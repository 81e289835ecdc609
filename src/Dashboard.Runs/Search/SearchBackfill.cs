using System.Data.Common;
using System.Text.Json;
using Dashboard.Model.Json;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using Dashboard.Runs.Projections;
using Dashboard.Runs.Storage;

namespace Dashboard.Runs.Search;

/// <summary>
/// Runs stored before the search index existed are indexed once, at start, from their stored record, attempts and log
/// lines, in the start-up transaction. An index with any document is left as is (ingestion keeps it from then on).
/// </summary>
internal static class SearchBackfill
{
    private const int Page = 500;

    public static int Run(DbTransaction transaction, StatementCache statements)
    {
        var connection = transaction.Connection!;
        if (!Backfill.IsNeeded(transaction, "run_search"))
        {
            return 0;
        }
        var count = 0;
        var after = "";
        while (true)
        {
            // A page of records read to its end before its runs' rows are (one command at a time on a PostgreSQL connection).
            var records = Read(connection, transaction, "SELECT record_json FROM runs WHERE id > @key ORDER BY id LIMIT " + Page, after,
                reader => JsonSerializer.Deserialize<RunRecord>(reader.GetString(0), ModelJson.Options)!);
            if (records.Count == 0)
            {
                return count;
            }
            after = records[^1].Id;
            foreach (var record in records.Where(r => r.StartedAt is not null))
            {
                var attempts = Read(connection, transaction, "SELECT trace_json FROM run_steps WHERE run_id = @key ORDER BY order_index, attempt", record.Id,
                    reader => JsonSerializer.Deserialize<StepTrace>(reader.GetString(0), ModelJson.Options)!);
                var logs = Read(connection, transaction, "SELECT seq, step_id, attempt, loop_index, message FROM run_logs WHERE run_id = @key ORDER BY seq", record.Id,
                    reader => new LogRow(reader.GetInt64(0), null, 0, reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2),
                        reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4), ""));
                var state = RunState.FromSnapshot(record, attempts, null);
                SearchIndexWriter.Write(statements, transaction, SearchRows.OfStoredRun(state, logs));
                statements.Flush(transaction);
                count++;
            }
        }
    }

    private static List<T> Read<T>(DbConnection connection, DbTransaction transaction, string sql, string key, Func<DbDataReader, T> row)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.With("key", key);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(row(reader));
        }
        return rows;
    }
}
