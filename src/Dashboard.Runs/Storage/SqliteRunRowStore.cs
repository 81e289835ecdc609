using Dashboard.Runs.Insights;
using Dashboard.Runs.Projections;
using Dashboard.Streams.Storage;

namespace Dashboard.Runs.Storage;

/// <summary>The runs service's tables in the SQLite file of the streams, written through the store's write transaction.</summary>
internal sealed class SqliteRunRowStore(SqliteStreamStore store) : IRunRowStore, IDisposable
{
    private readonly StatementCache _statements = new();

    public void Ensure() => store.Write(_ =>
    {
        var transaction = store.Transaction;
        RunProjectionSchema.Ensure(transaction.Connection!, transaction);
        InsightsSchema.Ensure(transaction.Connection!, transaction);
        return InsightsBackfill.Run(transaction, _statements);
    });

    public void Write(RunRows rows, string offset)
    {
        var transaction = store.Transaction;
        RunProjectionWriter.Write(_statements, transaction, rows.Projection, offset);
        InsightsWriter.Write(_statements, transaction, rows.Insights);
    }

    public IReadOnlyList<string> EndedBefore(DateTimeOffset before, int limit)
    {
        using var connection = store.OpenReadConnection();
        using var command = connection.CreateCommand();
        // Through the index on started_at: only the oldest rows are visited.
        command.CommandText = """
            SELECT id FROM runs WHERE started_at < $before AND status IN ('completed', 'failed', 'cancelled', 'timeout')
            ORDER BY started_at LIMIT $limit
            """;
        command.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    public void Delete(string runId)
    {
        var transaction = store.Transaction;
        foreach (var sql in (string[])["DELETE FROM run_steps WHERE run_id = $id", "DELETE FROM runs WHERE id = $id"])
        {
            var command = _statements.For(transaction, sql);
            StatementCache.Set(command, "$id", runId);
            command.ExecuteNonQuery();
        }
    }

    public void Dispose() => _statements.Dispose();
}
