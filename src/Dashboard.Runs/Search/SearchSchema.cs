using Microsoft.Data.Sqlite;

namespace Dashboard.Runs.Search;

/// <summary>
/// The search index on SQLite, in its own file (<see cref="Storage.SqliteSearchFile"/>): <c>run_search</c> holds each
/// document once (with where it belongs), written by the indexer that follows the runs feed (<see cref="SearchIndexer"/>);
/// an FTS5 table indexes its text without a second copy (external content), filled thousands of documents per transaction
/// (<see cref="Storage.SqliteRunsDatabase.CatchUpSearchIndex"/>). Written in each batch's transaction, documents and text
/// index cost more than half of ingestion's throughput; written behind it in the runs' file, they still held its one
/// writer. A search catches the index up before it reads, so what was stored is found. PostgreSQL's version is
/// migration 5 of <see cref="Storage.PostgreSqlRunsSchema"/>.
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

    // Which runs file the index was made from: a random id kept in the runs' file, copied into the index's.
    private const string HomeSql = """
        CREATE TABLE IF NOT EXISTS search_home (id INTEGER PRIMARY KEY CHECK (id = 1), file_id TEXT NOT NULL);
        INSERT OR IGNORE INTO search_home (id, file_id) VALUES (1, lower(hex(randomblob(16))));
        """;

    private const string DropSql = """
        DROP TRIGGER IF EXISTS run_search_removed; DROP TRIGGER IF EXISTS run_search_added;
        DROP TABLE IF EXISTS run_search_text; DROP TABLE IF EXISTS run_search; DROP TABLE IF EXISTS run_search_progress;
        """;

    /// <summary>
    /// In the runs' file: its id, and no search tables (a file from before the index had a file of its own kept them
    /// here; they go, and the index is made again from the runs feed in its own file).
    /// </summary>
    public static string EnsureRunsFile(SqliteConnection connection, SqliteTransaction transaction)
    {
        Execute(connection, transaction, HomeSql);
        Execute(connection, transaction, DropSql);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT file_id FROM search_home WHERE id = 1";
        return (string)command.ExecuteScalar()!;
    }

    /// <summary>
    /// In the index's file: its tables, emptied first when they were made from another runs file than
    /// <paramref name="runsFileId"/> (a runs file replaced by a copy or a new one beside an old index), so that the
    /// indexer reads this file's feed from its start.
    /// </summary>
    public static void EnsureSearchFile(SqliteConnection connection, SqliteTransaction transaction, string runsFileId)
    {
        Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS search_home (id INTEGER PRIMARY KEY CHECK (id = 1), file_id TEXT NOT NULL)");
        using (var home = connection.CreateCommand())
        {
            home.Transaction = transaction;
            home.CommandText = "SELECT file_id FROM search_home WHERE id = 1";
            if (home.ExecuteScalar() as string != runsFileId)
            {
                Execute(connection, transaction, DropSql);
                home.CommandText = "INSERT INTO search_home (id, file_id) VALUES (1, @id) ON CONFLICT (id) DO UPDATE SET file_id = excluded.file_id";
                home.Parameters.AddWithValue("@id", runsFileId);
                home.ExecuteNonQuery();
            }
        }
        Execute(connection, transaction, Sql);
        Execute(connection, transaction, RemovedTrigger);
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
