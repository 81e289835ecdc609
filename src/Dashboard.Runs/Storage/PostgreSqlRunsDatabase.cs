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
        store.Write(_ => InsightsBackfill.Run(store.Transaction, statements) + Search.SearchBackfill.Run(store.Transaction, statements));
    }

    // Each term a phrase query, its punctuation made space as the index's was (ord_123 is the words ord, 123 in a row),
    // over the 'simple' configuration the index was built with; all of them required.
    public override (string From, string Match, string Id) SearchSource(DbCommand command, IReadOnlyList<string> terms)
    {
        var queries = new List<string>(terms.Count);
        for (var i = 0; i < terms.Count; i++)
        {
            command.With("term" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), terms[i]);
            queries.Add($"phraseto_tsquery('simple', regexp_replace(@term{i}, '[[:punct:]]+', ' ', 'g'))");
        }
        return ("run_search s", $"s.body_words @@ ({string.Join(" && ", queries)})", "s.id");
    }
}
