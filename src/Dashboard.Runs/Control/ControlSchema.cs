using Microsoft.Data.Sqlite;

namespace Dashboard.Runs.Control;

/// <summary>
/// The control requests beside the workflows' control streams: what each asked, where it stands on its stream, and what
/// the engine reported (the request's state). On SQLite here; PostgreSQL's is migration 6 of
/// <see cref="Storage.PostgreSqlRunsSchema"/>.
/// </summary>
internal static class ControlSchema
{
    public const string Sql = """
        CREATE TABLE IF NOT EXISTS control_requests (
            request_id TEXT PRIMARY KEY,
            run_id TEXT NOT NULL,
            workflow_id TEXT NOT NULL,
            action TEXT NOT NULL,
            idempotency_key TEXT,
            request_json TEXT NOT NULL,
            requested_at INTEGER NOT NULL,
            stream_offset TEXT NOT NULL,
            outcome TEXT,
            outcome_run_id TEXT,
            outcome_at INTEGER,
            UNIQUE (run_id, idempotency_key)
        );
        CREATE INDEX IF NOT EXISTS control_requests_by_run ON control_requests(run_id, requested_at);
        """;

    public static void Ensure(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Sql;
        command.ExecuteNonQuery();
    }
}
