using Dashboard.Model.Runs;
using Dashboard.Runs.Insights;

namespace Dashboard.Runs.Storage;

/// <summary>
/// The runs service's rows, written through the stream store's write transaction, on either provider: the statements are
/// the same, the database supplies the transaction and the schema.
/// </summary>
internal sealed class RunRowStore : IRunRowStore, IDisposable
{
    private readonly RunsDatabase _database;

    // One cache per writing thread: SQLite has one writer, but PostgreSQL's writers of different runs write at once,
    // each on its own thread (a write transaction runs start to end on the thread that began it).
    private readonly ThreadLocal<StatementCache> _caches;

    // The insights deltas of a group commit's batches, stored as one pending row before it commits (both stores group
    // the writes that arrive while one transaction runs); added to the aggregates behind ingestion (InsightsOutbox).
    private readonly Streams.Storage.CommitQueue<InsightsDelta>? _insightsAtCommit;

    public RunRowStore(RunsDatabase database)
    {
        _database = database;
        _caches = new(() => new StatementCache(database.BatchesWrites), trackAllValues: true);
        _insightsAtCommit = database.AddCommitQueue<InsightsDelta>((transaction, deltas) =>
        {
            try
            {
                InsightsOutbox.Add(Statements, transaction, deltas);
                Send(transaction);
            }
            catch
            {
                // As in Write: the transaction fails, and what was queued for it must not go with this thread's next one.
                Statements.Discard();
                throw;
            }
        });
    }

    private StatementCache Statements => _caches.Value!;

    public void Ensure() => _database.EnsureSchema(Statements);

    public void Write(RunRows rows, string offset)
    {
        var transaction = _database.WriteTransaction;
        try
        {
            Projections.RunProjectionWriter.Write(Statements, transaction, rows.Projection, offset, _database.BindsArrays);
            if (_insightsAtCommit is not null)
            {
                _insightsAtCommit.Add(rows.Insights);
            }
            else
            {
                InsightsOutbox.Add(Statements, transaction, [rows.Insights]);
            }
            Control.ControlOutcomeWriter.Write(Statements, transaction, rows.Projection.Record.Id, rows.ControlOutcomes);
            Otlp.OtlpRowWriter.Write(Statements, transaction, rows.Projection.Record.Id, rows.Otlp, rows.Projection.Record.Status.IsTerminal());
            Send(transaction);
        }
        catch
        {
            // The transaction rolls back: what was queued for it must not be sent with the next one's.
            Statements.Discard();
            throw;
        }
    }

    // Where the store sends its writes with the commit (PostgreSQL), the statements join them; otherwise they run now.
    private void Send(System.Data.Common.DbTransaction transaction)
    {
        if (_database.WritesAtCommit is { } atCommit)
        {
            Statements.MoveTo(atCommit);
        }
        else
        {
            Statements.Flush(transaction);
        }
    }

    public IReadOnlyList<string> EndedBefore(DateTimeOffset before, int limit)
    {
        using var connection = _database.OpenRead();
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

    private static readonly string[] Deletes = ["DELETE FROM runs WHERE id = @id", "DELETE FROM control_requests WHERE run_id = @id",
        "DELETE FROM run_search WHERE run_id = @id", "DELETE FROM run_logs WHERE run_id = @id", "DELETE FROM run_steps WHERE run_id = @id",
        "DELETE FROM run_models WHERE run_id = @id", "DELETE FROM run_failures WHERE run_id = @id"];

    // Where the search index has its own file, its documents are removed after the run (Search.SearchIndexer.Forget).
    private static readonly string[] DeletesApartFromSearch = [.. Deletes.Where(sql => !sql.Contains("run_search", StringComparison.Ordinal))];

    // The run's row first: the search indexer holds a share lock on it while it writes the run's documents, so on
    // PostgreSQL this waits for those to be committed, and the documents' delete after it sees them.
    public void Delete(string runId)
    {
        var transaction = _database.WriteTransaction;
        foreach (var sql in _database.SearchApart ? DeletesApartFromSearch : Deletes)
        {
            var command = Statements.For(transaction, sql);
            StatementCache.Set(command, "id", runId);
            Statements.Execute(command);
        }
        Statements.Flush(transaction);
    }

    public void Dispose()
    {
        foreach (var cache in _caches.Values)
        {
            cache.Dispose();
        }
        _caches.Dispose();
    }
}
