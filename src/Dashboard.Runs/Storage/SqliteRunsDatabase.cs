using System.Data.Common;
using Dashboard.Runs.Insights;
using Dashboard.Runs.Projections;
using Dashboard.Streams.Storage;

namespace Dashboard.Runs.Storage;

/// <summary>
/// The runs service's tables in the SQLite file of the streams (the embedded default), and the search index in a file of
/// its own beside it (<see cref="SqliteSearchFile"/>).
/// </summary>
internal sealed class SqliteRunsDatabase(SqliteStreamStore store, SqliteSearchFile search) : RunsDatabase
{
    public override DbConnection OpenRead() => store.OpenReadConnection();

    // A deferred transaction takes its snapshot at the first read and keeps it: WAL readers never block the writer.
    public override DbTransaction BeginSnapshot(DbConnection connection) =>
        ((Microsoft.Data.Sqlite.SqliteConnection)connection).BeginTransaction(deferred: true);

    public override DbTransaction WriteTransaction => store.Transaction;

    public override string LikeOperator => "LIKE";

    public override string NotByIndex(string column) => "+" + column;

    public override CommitQueue<T> AddCommitQueue<T>(Action<DbTransaction, IReadOnlyList<T>> flush) => store.AddCommitQueue<T>(flush);

    public override T Write<T>(Func<DbTransaction, T> work) => store.Write(_ => work(store.Transaction));

    public override void EnsureSchema(StatementCache statements)
    {
        var runsFileId = store.Write(_ =>
        {
            var transaction = store.Transaction;
            RunProjectionSchema.Ensure(transaction.Connection!, transaction);
            InsightsSchema.Ensure(transaction.Connection!, transaction);
            Control.ControlSchema.Ensure(transaction.Connection!, transaction);
            Otlp.OtlpSchema.Ensure(transaction.Connection!, transaction);
            InsightsBackfill.Run(transaction, statements, shard: null);
            return Search.SearchSchema.EnsureRunsFile(transaction.Connection!, transaction);
        });
        search.Write(transaction =>
        {
            Search.SearchSchema.EnsureSearchFile(transaction.Connection!, transaction, runsFileId);
            return 0;
        });
    }

    public override DbConnection OpenSearchRead() => search.OpenRead();

    public override T WriteSearch<T>(Func<DbTransaction, T> work) => search.Write(work);

    public override bool SearchApart => true;

    // The runs are in the other file: read there, as they are now. Retention removes a deleted run's documents after
    // the run, under the indexer's lock (SearchIndexer.Forget), so a run seen here either stays or loses these
    // documents right after this pass.
    public override HashSet<string> ExistingRuns(DbTransaction searchTransaction, IEnumerable<string> runIds)
    {
        using var connection = OpenRead();
        return ExistingRuns(connection, null, runIds, "");
    }

    // SQLite hands a text value's bytes over as stored (UTF-8): a megabyte payload is not turned into a string and back.
    public override byte[] ReadUtf8(DbDataReader reader, int ordinal) => reader.GetFieldValue<byte[]>(ordinal);

    // FTS5: each term a quoted phrase (its words in order; no operator or column syntax of the user's reaches the
    // parser), phrases side by side meaning all of them. The text table's rowid is the document's id, which FTS5 reads
    // newest first along its index.
    public override (string From, string Match, string Id) SearchSource(DbCommand command, IReadOnlyList<string> terms)
    {
        command.With("match", string.Join(' ', terms.Select(t => "\"" + t.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"")));
        return ("run_search_text JOIN run_search s ON s.id = run_search_text.rowid", "run_search_text MATCH @match", "run_search_text.rowid");
    }

    private const int IndexBatch = 1000;

    public override void CatchUpSearchIndex()
    {
        // Looked at without the write lock first: an idle service does not take it every few hundred ms.
        using (var connection = search.OpenRead())
        using (var probe = connection.CreateCommand())
        {
            probe.CommandText = "SELECT EXISTS (SELECT 1 FROM run_search WHERE id > (SELECT indexed_to FROM run_search_progress WHERE id = 1))";
            if (Convert.ToInt64(probe.ExecuteScalar()) == 0)
            {
                return;
            }
        }
        while (search.Write(IndexPending) == IndexBatch)
        {
        }
    }

    // The next documents into the text index in one transaction: one FTS5 segment for thousands of documents.
    private static int IndexPending(Microsoft.Data.Sqlite.SqliteTransaction transaction)
    {
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            SELECT COALESCE(MAX(id), 0), COUNT(*) FROM (
                SELECT id FROM run_search WHERE id > (SELECT indexed_to FROM run_search_progress WHERE id = 1) ORDER BY id LIMIT @batch)
            """;
        command.With("batch", IndexBatch);
        long last;
        int count;
        using (var reader = command.ExecuteReader())
        {
            reader.Read();
            (last, count) = (reader.GetInt64(0), (int)reader.GetInt64(1));
        }
        if (count == 0)
        {
            return 0;
        }
        command.Parameters.Clear();
        command.CommandText = """
            INSERT INTO run_search_text(rowid, body)
            SELECT id, body FROM run_search WHERE id > (SELECT indexed_to FROM run_search_progress WHERE id = 1) AND id <= @last ORDER BY id;
            UPDATE run_search_progress SET indexed_to = @last WHERE id = 1;
            """;
        command.With("last", last);
        command.ExecuteNonQuery();
        return count;
    }
}
