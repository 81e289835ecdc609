namespace Dashboard.Runs.Storage;

/// <summary>
/// The runs service's rows, written through the stream store's write transaction, on either provider: the statements are
/// the same, the database supplies the transaction and the schema.
/// </summary>
internal sealed class RunRowStore(RunsDatabase database) : IRunRowStore, IDisposable
{
    private readonly StatementCache _statements = new();

    public void Ensure() => database.EnsureSchema(_statements);

    public void Write(RunRows rows, string offset)
    {
        var transaction = database.WriteTransaction;
        Projections.RunProjectionWriter.Write(_statements, transaction, rows.Projection, offset);
        Insights.InsightsWriter.Write(_statements, transaction, rows.Insights);
    }

    public IReadOnlyList<string> EndedBefore(DateTimeOffset before, int limit)
    {
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        // Through the index on started_at: only the oldest rows are visited.
        command.CommandText = """
            SELECT id FROM runs WHERE started_at < @before AND status IN ('completed', 'failed', 'cancelled', 'timeout')
            ORDER BY started_at LIMIT @limit
            """;
        command.With("before", before.ToUnixTimeMilliseconds()).With("limit", limit);
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
        var transaction = database.WriteTransaction;
        foreach (var sql in (string[])["DELETE FROM run_steps WHERE run_id = @id", "DELETE FROM runs WHERE id = @id"])
        {
            var command = _statements.For(transaction, sql);
            StatementCache.Set(command, "id", runId);
            command.ExecuteNonQuery();
        }
    }

    public void Dispose() => _statements.Dispose();
}
