using Microsoft.Data.Sqlite;

namespace Dashboard.Runs.Search;

/// <summary>
/// The search index on SQLite: <c>run_search</c> holds each document once (with where it belongs), written by the
/// indexer that follows the runs feed (<see cref="SearchIndexer"/>); an FTS5 table indexes its text without a second copy
/// (external content), filled thousands of documents per transaction (<see cref="Storage.SqliteRunsDatabase.CatchUpSearchIndex"/>).
/// Written in each batch's transaction, documents and text index cost more than half of ingestion's throughput. A
/// search catches the index up before it reads, so what was stored is found. PostgreSQL's version is migration 5 of
/// <see cref="Storage.PostgreSqlRunsSchema"/>.
/// </summary>
internal static class SearchSchema
{
    public const string Sql = """
        CREATE TABLE IF NOT EXISTS run_search (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL,
            workflow_id TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            step_id TEXT,
            loop_index INTEGER NOT NULL,
            attempt INTEGER,
            field TEXT NOT NULL,
            log_seq INTEGER,
            body TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS run_search_by_step ON run_search(run_id, step_id, loop_index);
        CREATE VIRTUAL TABLE IF NOT EXISTS run_search_text USING fts5(body, content='run_search', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
        -- How far the indexer has read the runs feed (feed_offset: '' for its start), and how far the text index has read
        -- run_search (indexed_to; ids only grow: AUTOINCREMENT never reuses one).
        CREATE TABLE IF NOT EXISTS run_search_progress (id INTEGER PRIMARY KEY CHECK (id = 1), feed_offset TEXT NOT NULL DEFAULT '', indexed_to INTEGER NOT NULL);
        INSERT OR IGNORE INTO run_search_progress (id, indexed_to) VALUES (1, 0);
        """;

    // A document leaving the table leaves the text index too, if it had been indexed (the FTS5 'delete' of a row it
    // never held would corrupt it).
    private const string RemovedTrigger = """
        DROP TRIGGER IF EXISTS run_search_removed;
        CREATE TRIGGER run_search_removed AFTER DELETE ON run_search
        WHEN old.id <= (SELECT indexed_to FROM run_search_progress WHERE id = 1) BEGIN
            INSERT INTO run_search_text(run_search_text, rowid, body) VALUES ('delete', old.id, old.body);
        END;
        """;

    public static void Ensure(SqliteConnection connection, SqliteTransaction transaction)
    {
        Execute(connection, transaction, Sql);
        // A file from before the indexer read the feed: it reads it from the start (documents already there stay; the
        // feed entries of that time carry no batch boundaries, so those runs are indexed from the runs' streams again).
        if (Scalar(connection, transaction, "SELECT COUNT(*) FROM pragma_table_info('run_search_progress') WHERE name = 'feed_offset'") == 0)
        {
            Execute(connection, transaction, "ALTER TABLE run_search_progress ADD COLUMN feed_offset TEXT NOT NULL DEFAULT ''");
        }
        // A file from when the text index followed each insert (a trigger): everything is indexed already.
        if (Scalar(connection, transaction, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'run_search_added'") > 0)
        {
            Execute(connection, transaction, "DROP TRIGGER run_search_added; UPDATE run_search_progress SET indexed_to = (SELECT COALESCE(MAX(id), 0) FROM run_search)");
        }
        Execute(connection, transaction, RemovedTrigger);
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
