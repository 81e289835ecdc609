using System.Data.Common;

namespace Dashboard.Runs.Storage;

/// <summary>
/// The runs service's view of the database that keeps the streams: connections for reads, the write transaction of the
/// append in progress, and the few places where SQLite's and PostgreSQL's SQL differ. The queries and writers are written
/// once against it, in the SQL both accept (<c>@</c> parameters, <c>ON CONFLICT</c> upserts, <c>CASE</c> for two-argument
/// min and max).
/// </summary>
internal abstract class RunsDatabase
{
    /// <summary>A connection for reads, opened; the caller disposes it.</summary>
    public abstract DbConnection OpenRead();

    /// <summary>
    /// A read transaction that sees one state of the database for all its statements (a run's record and its attempts
    /// read together agree).
    /// </summary>
    public abstract DbTransaction BeginSnapshot(DbConnection connection);

    /// <summary>The store's write transaction in progress on this thread (inside <see cref="Streams.Storage.IStreamStore.Write{T}"/>).</summary>
    public abstract DbTransaction WriteTransaction { get; }

    /// <summary>Whether the rows of a batch are sent in one round trip (<see cref="StatementCache"/>): a server's, not a file's.</summary>
    public virtual bool BatchesWrites => false;

    /// <summary>Whether a statement may take a column's values for many rows as one array parameter (PostgreSQL's <c>unnest</c>).</summary>
    public virtual bool BindsArrays => false;

    /// <summary>
    /// Where batched writes of the write transaction go to be sent with the stream's own, just before the commit (null:
    /// each cache sends its own).
    /// </summary>
    public virtual DbBatch? WritesAtCommit => null;

    /// <summary>
    /// Where the store has one writer serving several callers per transaction (SQLite's group commit), a queue whose items
    /// the writes of one transaction hand to <paramref name="flush"/> together before it commits; null where each write is
    /// a transaction of its own (PostgreSQL).
    /// </summary>
    public virtual Streams.Storage.CommitQueue<T>? AddCommitQueue<T>(Action<DbTransaction, IReadOnlyList<T>> flush) => null;

    /// <summary>The case-insensitive <c>LIKE</c>: SQLite's <c>LIKE</c> already ignores ASCII case; PostgreSQL's does not.</summary>
    public abstract string LikeOperator { get; }

    /// <summary>
    /// A filter column written so that the planner does not walk an index of it: SQLite, which plans without statistics,
    /// reads <c>+column</c> so; PostgreSQL plans by its statistics and is given the column as it is.
    /// </summary>
    public virtual string NotByIndex(string column) => column;

    /// <summary>
    /// Whether the planner chooses by its statistics how to join a filter's own table (a model's runs, a failure group's):
    /// PostgreSQL plans <c>IN</c> and <c>EXISTS</c> as the same semi-join, so the query need not count first to choose
    /// between them (SQLite walks the form it is given).
    /// </summary>
    public virtual bool PlansSemiJoins => false;

    /// <summary>Creates or upgrades the runs service's tables; called once at start, before any request.</summary>
    public abstract void EnsureSchema(StatementCache statements);

    /// <summary>A stored UTF-8 text column as bytes, without a detour through a string where the provider allows it.</summary>
    public virtual byte[] ReadUtf8(DbDataReader reader, int ordinal) => System.Text.Encoding.UTF8.GetBytes(reader.GetString(ordinal));

    /// <summary>
    /// Where a search reads and how it matches <paramref name="terms"/> (all of them; each a word or a phrase): the
    /// <c>FROM</c> text (the documents are aliased <c>s</c>), the condition, and the document id to order and page by.
    /// </summary>
    public abstract (string From, string Match, string Id) SearchSource(DbCommand command, IReadOnlyList<string> terms);

    /// <summary>
    /// How many of the newest documents a search reads in order before it asks the text index, where the index cannot
    /// hand its matches over newest first (null: it can, as SQLite's FTS5 does along its rowids).
    /// </summary>
    public virtual int? SearchNewestFirst => null;

    /// <summary>
    /// Which row of each insights aggregate a write transaction adds to, where an aggregate is split in several rows
    /// summed when read (PostgreSQL); null where it is one row (SQLite, whose writers take turns anyway).
    /// </summary>
    public virtual int? InsightShard(DbTransaction transaction) => null;

    /// <summary>
    /// Brings the text index up to every stored document, where it is filled behind ingestion (SQLite); called in the
    /// background and before each search. Nothing to do where the index follows each write (PostgreSQL).
    /// </summary>
    public virtual void CatchUpSearchIndex()
    {
    }

    /// <summary>A connection for reading the search index, opened; the caller disposes it. The database's own where it holds the index.</summary>
    public virtual DbConnection OpenSearchRead() => OpenRead();

    /// <summary>Runs <paramref name="work"/> in a write transaction of the search index: the store's own, unless the index has a file of its own (SQLite).</summary>
    public virtual T WriteSearch<T>(Func<DbTransaction, T> work) => Write(work);

    /// <summary>
    /// Whether the search index is apart from the runs' rows (its own SQLite file): a run's documents are then not
    /// deleted in the transaction that deletes the run, but after it (<see cref="Search.SearchIndexer.Forget"/>).
    /// </summary>
    public virtual bool SearchApart => false;

    /// <summary>
    /// Which of <paramref name="runIds"/> still have their run, read from the search index's write transaction. Where the
    /// index is in the same database, the rows stay locked until it ends (a run deleted meanwhile waits for the documents
    /// to be committed, and its delete then removes them).
    /// </summary>
    public virtual HashSet<string> ExistingRuns(DbTransaction searchTransaction, IEnumerable<string> runIds) =>
        ExistingRuns(searchTransaction.Connection!, searchTransaction, runIds, ForShare);

    protected static HashSet<string> ExistingRuns(DbConnection connection, DbTransaction? transaction, IEnumerable<string> runIds, string lockClause)
    {
        var existing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in runIds.Distinct().Chunk(500))
        {
            using var check = connection.CreateCommand();
            check.Transaction = transaction;
            check.CommandText = $"SELECT id FROM runs WHERE {check.In("id", "r", chunk)}{lockClause}";
            using var reader = check.ExecuteReader();
            while (reader.Read())
            {
                existing.Add(reader.GetString(0));
            }
        }
        return existing;
    }

    /// <summary>Runs <paramref name="work"/> in a write transaction of the store (the one writer on SQLite).</summary>
    public abstract T Write<T>(Func<DbTransaction, T> work);

    /// <summary>
    /// Runs <paramref name="work"/> in a write transaction of its own, never in a group with appends (a pass of work
    /// behind ingestion that may wait for another instance's turn): SQLite's one writer takes it in turn as any write.
    /// </summary>
    public virtual T WriteAside<T>(Func<DbTransaction, T> work) => Write(work);

    /// <summary>What a read that is about to be written on takes: a row lock on PostgreSQL (SQLite has one writer).</summary>
    public virtual string ForUpdate => "";

    /// <summary>
    /// <see cref="ForUpdate"/> for a reader that would rather do nothing than wait: a row another transaction holds is
    /// left out of its answer (PostgreSQL's <c>SKIP LOCKED</c>; SQLite's one writer never finds a row held).
    /// </summary>
    public virtual string ForUpdateUnlessHeld => "";

    /// <summary>A read that must stay true until the transaction ends (a row not deleted meanwhile): PostgreSQL's key share lock, which updates of the row's other columns do not wait for.</summary>
    public virtual string ForShare => "";
}
