using Microsoft.Data.Sqlite;

namespace Dashboard.Runs.Search;

/// <summary>
/// The search index on SQLite: <c>run_search</c> holds each document once (with where it belongs), an FTS5 table
/// indexes its text without a second copy (external content), and triggers keep the two together. PostgreSQL's version
/// is migration 5 of <see cref="Storage.PostgreSqlRunsSchema"/>.
/// </summary>
internal static class SearchSchema
{
    public const string Sql = """
        CREATE TABLE IF NOT EXISTS run_search (
            id INTEGER PRIMARY KEY,
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
        CREATE TRIGGER IF NOT EXISTS run_search_added AFTER INSERT ON run_search BEGIN
            INSERT INTO run_search_text(rowid, body) VALUES (new.id, new.body);
        END;
        CREATE TRIGGER IF NOT EXISTS run_search_removed AFTER DELETE ON run_search BEGIN
            INSERT INTO run_search_text(run_search_text, rowid, body) VALUES ('delete', old.id, old.body);
        END;
        """;

    public static void Ensure(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Sql;
        command.ExecuteNonQuery();
    }
}
