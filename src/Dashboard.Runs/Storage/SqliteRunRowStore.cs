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

    public void Dispose() => _statements.Dispose();
}
