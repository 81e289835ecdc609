using System.Data;
using System.Data.Common;
using Dashboard.Runs.Insights;
using Dashboard.Streams.Storage;

namespace Dashboard.Runs.Storage;

/// <summary>The runs service's tables in the PostgreSQL database of the streams, shared by every instance.</summary>
internal sealed class PostgreSqlRunsDatabase(PostgreSqlStreamStore store) : RunsDatabase
{
    public override DbConnection OpenRead() => store.DataSource.OpenConnection();

    // Repeatable read: every statement of the transaction sees the snapshot taken at its first one.
    public override DbTransaction BeginSnapshot(DbConnection connection) => connection.BeginTransaction(IsolationLevel.RepeatableRead);

    public override DbTransaction WriteTransaction => store.Transaction;

    public override string LikeOperator => "ILIKE";

    public override bool BatchesWrites => true;

    public override void EnsureSchema(StatementCache statements)
    {
        using (var connection = store.DataSource.OpenConnection())
        {
            PostgreSqlSchema.Migrate(connection, "runs", PostgreSqlRunsSchema.Migrations);
        }
        store.Write(_ => InsightsBackfill.Run(store.Transaction, statements));
    }
}
