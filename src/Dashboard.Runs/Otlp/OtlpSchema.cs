using Microsoft.Data.Sqlite;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// What OTLP intake keeps in the store so that any instance, and this one after a restart, places a log record as the
/// instance that took its spans would: the step each span became (<c>otlp_spans</c>), the ends of runs held open for
/// their late log records (<c>otlp_run_ends</c>, see <see cref="OtlpRunEnds"/>), and the services that send log records
/// at all (<c>otlp_log_services</c>), and the records an instance still held for their spans when it stopped
/// (<c>otlp_parked_logs</c>, see <see cref="OtlpParkedLogs"/>), and model calls' content events offered to every instance
/// with the services that send them (<c>otlp_content_offers</c>, <c>otlp_content_services</c>, see <see cref="OtlpContentOffers"/>). On SQLite here; PostgreSQL's are migrations of
/// <see cref="Storage.PostgreSqlRunsSchema"/>.
/// </summary>
internal static class OtlpSchema
{
    public const string Sql = """
        CREATE TABLE IF NOT EXISTS otlp_spans (
            trace_id TEXT NOT NULL,
            span_id TEXT NOT NULL,
            run_id TEXT NOT NULL,
            step_id TEXT,
            attempt INTEGER,
            loop_index INTEGER,
            PRIMARY KEY (trace_id, span_id)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS otlp_spans_by_run ON otlp_spans (run_id);
        CREATE TABLE IF NOT EXISTS otlp_run_ends (
            run_id TEXT PRIMARY KEY,
            trace_id TEXT NOT NULL,
            due_at INTEGER NOT NULL,
            caller TEXT NOT NULL,
            root_span TEXT,
            event_json TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS otlp_run_ends_by_due ON otlp_run_ends (due_at);
        CREATE TABLE IF NOT EXISTS otlp_log_services (service TEXT PRIMARY KEY) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS otlp_parked_logs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            trace_id TEXT NOT NULL,
            since INTEGER NOT NULL,
            caller_json TEXT NOT NULL,
            record_json TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS otlp_content_offers (
            record_key TEXT PRIMARY KEY,
            trace_id TEXT NOT NULL,
            span_id TEXT NOT NULL,
            since INTEGER NOT NULL,
            caller_json TEXT NOT NULL,
            record_json TEXT NOT NULL,
            taken_at INTEGER
        );
        CREATE INDEX IF NOT EXISTS otlp_content_offers_by_span ON otlp_content_offers (trace_id, span_id);
        CREATE INDEX IF NOT EXISTS otlp_content_offers_by_since ON otlp_content_offers (since);
        CREATE TABLE IF NOT EXISTS otlp_content_services (service TEXT PRIMARY KEY) WITHOUT ROWID;
        """;

    public const string PostgreSql = """
        CREATE TABLE IF NOT EXISTS otlp_spans (
            trace_id text COLLATE "C" NOT NULL,
            span_id text COLLATE "C" NOT NULL,
            run_id text COLLATE "C" NOT NULL,
            step_id text,
            attempt integer,
            loop_index integer,
            PRIMARY KEY (trace_id, span_id)
        );
        CREATE INDEX IF NOT EXISTS otlp_spans_by_run ON otlp_spans (run_id);
        CREATE TABLE IF NOT EXISTS otlp_run_ends (
            run_id text COLLATE "C" PRIMARY KEY,
            trace_id text NOT NULL,
            due_at bigint NOT NULL,
            caller text NOT NULL,
            root_span text,
            event_json text NOT NULL
        );
        CREATE INDEX IF NOT EXISTS otlp_run_ends_by_due ON otlp_run_ends (due_at);
        CREATE TABLE IF NOT EXISTS otlp_log_services (service text COLLATE "C" PRIMARY KEY);
        """;

    /// <summary>PostgreSQL's migration after <see cref="PostgreSql"/>: log records parked by an instance that stopped.</summary>
    public const string PostgreSqlParked = """
        CREATE TABLE IF NOT EXISTS otlp_parked_logs (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            trace_id text COLLATE "C" NOT NULL,
            since bigint NOT NULL,
            caller_json text NOT NULL,
            record_json text NOT NULL
        );
        """;

    /// <summary>
    /// PostgreSQL's migration after <see cref="PostgreSqlParked"/>: model calls' content events offered to every instance
    /// (<see cref="OtlpContentOffers"/>), and the services that send such events.
    /// </summary>
    public const string PostgreSqlContent = """
        CREATE TABLE IF NOT EXISTS otlp_content_offers (
            record_key text COLLATE "C" PRIMARY KEY,
            trace_id text COLLATE "C" NOT NULL,
            span_id text COLLATE "C" NOT NULL,
            since bigint NOT NULL,
            caller_json text NOT NULL,
            record_json text NOT NULL
        );
        CREATE INDEX IF NOT EXISTS otlp_content_offers_by_span ON otlp_content_offers (trace_id, span_id);
        CREATE INDEX IF NOT EXISTS otlp_content_offers_by_since ON otlp_content_offers (since);
        CREATE TABLE IF NOT EXISTS otlp_content_services (service text COLLATE "C" PRIMARY KEY);
        """;

    /// <summary>
    /// PostgreSQL's migration after <see cref="PostgreSqlContent"/>: when an instance took an offered record, kept until
    /// the transaction that uses it deletes the row (see <see cref="OfferState.Taken"/>).
    /// </summary>
    public const string PostgreSqlTaken = """
        ALTER TABLE otlp_content_offers ADD COLUMN IF NOT EXISTS taken_at bigint;
        CREATE INDEX IF NOT EXISTS otlp_content_offers_by_taken ON otlp_content_offers (taken_at) WHERE taken_at IS NOT NULL;
        """;

    public static void Ensure(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Sql;
        command.ExecuteNonQuery();
        // A file from before offers were taken in place: the column added (rows there are offered, none taken).
        command.CommandText = "SELECT COUNT(*) FROM pragma_table_info('otlp_content_offers') WHERE name = 'taken_at'";
        if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            command.CommandText = "ALTER TABLE otlp_content_offers ADD COLUMN taken_at INTEGER";
            command.ExecuteNonQuery();
        }
        command.CommandText = "CREATE INDEX IF NOT EXISTS otlp_content_offers_by_taken ON otlp_content_offers (taken_at) WHERE taken_at IS NOT NULL";
        command.ExecuteNonQuery();
    }
}
