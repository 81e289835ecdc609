using System.Data;
using System.Data.Common;
using Dashboard.Runs.Insights;
using Dashboard.Streams.Storage;

namespace Dashboard.Runs.Storage;

/// <summary>The runs service's tables in the PostgreSQL database of the streams, shared by every instance.</summary>
internal sealed class PostgreSqlRunsDatabase(PostgreSqlStreamStore store, int newestWindow = PostgreSqlRunsDatabase.DefaultNewestWindow) : RunsDatabase
{
    public override DbConnection OpenRead() => store.DataSource.OpenConnection();

    // Repeatable read: every statement of the transaction sees the snapshot taken at its first one.
    public override DbTransaction BeginSnapshot(DbConnection connection) => connection.BeginTransaction(IsolationLevel.RepeatableRead);

    public override DbTransaction WriteTransaction => store.Transaction;

    public override string LikeOperator => "ILIKE";

    public override bool PlansSemiJoins => true;

    public override T Write<T>(Func<DbTransaction, T> work) => store.Write(_ => work(store.Transaction));

    public override CommitQueue<T> AddCommitQueue<T>(Action<DbTransaction, IReadOnlyList<T>> flush) => store.AddCommitQueue(flush);

    // The indexer's passes are long and may wait for another instance's turn: never in a group of appends.
    public override T WriteSearch<T>(Func<DbTransaction, T> work) => store.WriteAlone(_ => work(store.Transaction));

    public override T WriteAside<T>(Func<DbTransaction, T> work) => store.WriteAlone(_ => work(store.Transaction));

    public override string ForUpdate => " FOR UPDATE";

    public override string ForUpdateUnlessHeld => " FOR UPDATE SKIP LOCKED";

    public override string ForShare => " FOR KEY SHARE";

    public override bool BatchesWrites => true;

    public override bool BindsArrays => true;

    // A batch's rows go with its stream's writes and its feed entry, in one round trip right before the commit: the
    // aggregate rows every batch of a workflow adds to are locked only from then on.
    public override DbBatch? WritesAtCommit => store.PendingWrites;

    // Every batch of every run of a workflow adds to the same few aggregate rows (its minute, hour and day), and a row
    // added to stays locked until the commit: at 1,000 events/s the batches of one workflow queued behind each other for
    // up to a second. Split in 16 rows: the groups of writes an instance runs at once each add to their own (by lane,
    // from a place chosen at random per instance, so that instances rarely meet either); a write outside a group by
    // its connection. Since the aggregates are added behind ingestion, one pass at a time (Insights.InsightsOutbox), a
    // pass writes one shard by its connection; the rows stay split, and reads still sum them.
    public const int InsightShards = 16;

    private readonly int _firstShard = Random.Shared.Next(InsightShards);

    public override int? InsightShard(DbTransaction transaction) => store.CurrentLane is { } lane
        ? (_firstShard + lane) % InsightShards
        : ((Npgsql.NpgsqlConnection)transaction.Connection!).ProcessID % InsightShards;

    public override void EnsureSchema(StatementCache statements)
    {
        using (var connection = store.DataSource.OpenConnection())
        {
            PostgreSqlSchema.Migrate(connection, "runs", PostgreSqlRunsSchema.Migrations);
        }
        store.Write(_ => InsightsBackfill.Run(store.Transaction, statements, shard: 0));
    }

    // A GIN index gives its matches in no order: a word in one document of sixty meant fetching and sorting 85,000 rows
    // of five million for a page of 20 (0.6 s). Reading the newest 10,000 in order (a few ms) fills such a page.
    public const int DefaultNewestWindow = 10_000;

    public override int? SearchNewestFirst => newestWindow;

    // Each term's words (punctuation made space as the index's was: ord_123 is the words ord, 123) all present, and then
    // in order. The first condition is what the planner can estimate from the column's statistics (a phrase it cannot:
    // it took a rare order id for a common one and read five million rows backwards for two hits); the second is exact.
    public override (string From, string Match, string Id) SearchSource(DbCommand command, IReadOnlyList<string> terms)
    {
        var words = new List<string>(terms.Count);
        var phrases = new List<string>(terms.Count);
        for (var i = 0; i < terms.Count; i++)
        {
            command.With("term" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), terms[i]);
            words.Add($"plainto_tsquery('simple', regexp_replace(@term{i}, '[[:punct:]]+', ' ', 'g'))");
            phrases.Add($"phraseto_tsquery('simple', regexp_replace(@term{i}, '[[:punct:]]+', ' ', 'g'))");
        }
        // The phrases' word pairs join the words: the index scan intersects them all.
        words.AddRange(PairsOf(command, terms));
        return ("run_search s", $"s.body_words @@ ({string.Join(" && ", words)}) AND s.body_words @@ ({string.Join(" && ", phrases)})", "s.id");
    }

    /// <summary>
    /// The word pairs of the terms that are phrases, as tsquery literals (asked of the database, which splits words as it
    /// did for the documents): they narrow a phrase search to documents where its words follow one another.
    /// </summary>
    private static List<string> PairsOf(DbCommand command, IReadOnlyList<string> terms)
    {
        var pairs = new List<string>();
        if (!terms.Any(t => t.Any(char.IsWhiteSpace) || t.Any(char.IsPunctuation) || t.Any(char.IsSymbol)))
        {
            return pairs;
        }
        using var ask = command.Connection!.CreateCommand();
        ask.Transaction = command.Transaction;
        ask.CommandText = "SELECT " + string.Join(", ", terms.Select((_, i) => $"search_pairs_query(@t{i})::text"));
        for (var i = 0; i < terms.Count; i++)
        {
            ask.With("t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), terms[i]);
        }
        using var reader = ask.ExecuteReader();
        reader.Read();
        for (var i = 0; i < terms.Count; i++)
        {
            if (!reader.IsDBNull(i))
            {
                var name = "pairs" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                command.With(name, reader.GetString(i));
                pairs.Add($"@{name}::tsquery");
            }
        }
        return pairs;
    }
}
