using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Dashboard.Runs.Storage;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// OTLP log records that wait here for their spans, offered to every instance through the store
/// (<c>otlp_content_offers</c>, named for its first use). For two reasons. An exporter counts a record delivered once its
/// export is answered, and a record may wait minutes for its span: kept only in memory, a process killed meanwhile would
/// lose it; offered here, whichever instance runs next takes it back when its time is up (<see cref="ClaimOrphans"/>).
/// And an SDK's log and trace exporters keep connections of their own, which a balancer may send to different instances:
/// the instance that takes a model call's span waits for its content (<see cref="OtlpContentWait"/>) and claims it from
/// here, where its own memory has none. Whoever marks a record's row taken owns the record: the instance that offered it
/// takes it before it uses it (<see cref="KeepOwned"/>) and lets go of it if another took it first, so a prompt is its
/// step's input once, never also a log line elsewhere. The taken row is deleted by the transaction that uses the record
/// (the run's append: <see cref="OtlpRows.UsedOffers"/>), parks it or drops it; freed again if it waits on. An instance
/// killed in between leaves it taken, and it comes back as an orphan (<see cref="ClaimOrphans"/>): nothing is lost, and
/// a record used is never used again.
/// </summary>
internal sealed partial class OtlpContentOffers(RunsDatabase database, TimeProvider time, ILogger<OtlpContentOffers> logger)
{
    private const int ChangedPerStatement = 1_000;

    /// <summary>
    /// Offers these (records as they begin, or go on, to wait here): each row keyed by its record's event id. A record
    /// this instance had taken is freed again.
    /// </summary>
    public void Offer(IReadOnlyList<OtlpLogHold.Waiting> items)
    {
        if (items.Count == 0)
        {
            return;
        }
        database.Write(transaction =>
        {
            OfferIn(transaction, items);
            return 0;
        });
    }

    /// <summary><see cref="Offer"/> inside a write transaction already under way (the claim of what is offered).</summary>
    public static void OfferIn(DbTransaction transaction, IReadOnlyList<OtlpLogHold.Waiting> items)
    {
        if (items.Count == 0)
        {
            return;
        }
        var connection = transaction.Connection!;
        // PostgreSQL: the export's rows in one round trip, not one each (an export brings hundreds). SQLite: one
        // prepared statement run for each, which is what a batch would do there.
        if (connection.CanCreateBatch)
        {
            using var batch = connection.CreateBatch();
            batch.Transaction = transaction;
            foreach (var item in items)
            {
                var command = batch.CreateBatchCommand();
                command.CommandText = SqlFor(item);
                Bind(item, (name, value) =>
                {
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = "@" + name;
                    parameter.Value = StorableText.Of(value);
                    command.Parameters.Add(parameter);
                });
                batch.BatchCommands.Add(command);
            }
            batch.ExecuteNonQuery();
            return;
        }
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        foreach (var item in items)
        {
            insert.CommandText = SqlFor(item);
            insert.Parameters.Clear();
            Bind(item, (name, value) => insert.With(name, value));
            insert.ExecuteNonQuery();
        }
    }

    private static string SqlFor(OtlpLogHold.Waiting item) => item.Offer == OfferState.Taken ? FreeSql : OfferSql;

    /// <summary>
    /// These records as they wait on here: offered (<see cref="Offer"/>), or, if the store cannot take them now, kept in
    /// memory alone (as before they were offered), rather than lost with the failed write.
    /// </summary>
    public List<OtlpLogHold.Waiting> OfferOrKeep(IEnumerable<OtlpLogHold.Waiting> waiting)
    {
        var items = waiting.ToList();
        try
        {
            Offer(items);
            return items.Select(w => w with { Offer = OfferState.Offered }).ToList();
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or TimeoutException)
        {
            LogNotOffered(logger, items.Count, ex);
            // One this instance had taken stays taken in the store: it is still this instance's, and an orphan if it dies.
            return items;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP logs: {Count} record(s) waiting for their spans could not be offered in the store; they wait in memory only (lost if this process is killed)")]
    private static partial void LogNotOffered(ILogger logger, int count, Exception exception);

    // A record sent twice (an exporter's retry) is offered once: the second copy finds the row taken or gone when used.
    private const string OfferSql = """
        INSERT INTO otlp_content_offers (record_key, trace_id, span_id, since, caller_json, record_json)
        VALUES (@key, @trace, @span, @since, @caller, @record) ON CONFLICT (record_key) DO NOTHING
        """;

    // A record this instance took that waits on: its row free again for any instance (written again if it went).
    private const string FreeSql = """
        INSERT INTO otlp_content_offers (record_key, trace_id, span_id, since, caller_json, record_json)
        VALUES (@key, @trace, @span, @since, @caller, @record) ON CONFLICT (record_key) DO UPDATE SET taken_at = NULL
        """;

    private static void Bind(OtlpLogHold.Waiting item, Action<string, object> set)
    {
        var (caller, record) = OtlpParkedLogs.ToJson(item);
        set("key", item.Record.EventId);
        set("trace", item.Record.TraceId);
        set("span", item.Record.SpanId ?? "");
        set("since", item.Since.ToUnixTimeMilliseconds());
        set("caller", caller);
        set("record", record);
    }

    /// <summary>
    /// The offered content of these spans of the trace, whichever instance offered it; none is offered after this. Each
    /// comes taken by this instance.
    /// </summary>
    public List<OtlpLogHold.Waiting> Claim(string traceId, IReadOnlyCollection<string> spanIds)
    {
        if (spanIds.Count == 0 || !AnyFor(traceId, spanIds))
        {
            return [];
        }
        return database.Write(transaction =>
        {
            using var command = transaction.Connection!.CreateCommand();
            command.Transaction = transaction;
            command.With("trace", traceId).With("now", Now);
            command.CommandText = $"""
                UPDATE otlp_content_offers SET taken_at = @now WHERE trace_id = @trace AND {command.In("span_id", "s", spanIds)} AND taken_at IS NULL
                RETURNING since, caller_json, record_json, record_key
                """;
            return Read(transaction, command);
        });
    }

    // A read first: a wait polls, and most polls find nothing, which should not take the store's one writer (SQLite).
    private bool AnyFor(string traceId, IReadOnlyCollection<string> spanIds)
    {
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.With("trace", traceId);
        command.CommandText = $"SELECT COUNT(*) FROM (SELECT 1 FROM otlp_content_offers WHERE trace_id = @trace AND {command.In("span_id", "s", spanIds)} AND taken_at IS NULL LIMIT 1) offered";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    // Offered before the cutoff and never taken, or taken before it and never used: their instance stopped without them.
    // On the row itself as well as in the sub-select: a second instance's claim that waited for this one's (PostgreSQL)
    // checks the row as this one left it, and passes it by.
    private const string OrphanedSql = "(taken_at IS NULL AND since < @cutoff OR taken_at < @cutoff)";

    /// <summary>
    /// Rows offered before <paramref name="cutoff"/> and never taken, or taken before it and never used: their instance
    /// stopped without using them. Each comes taken by this instance.
    /// </summary>
    public List<OtlpLogHold.Waiting> ClaimOrphans(DateTimeOffset cutoff, int max) => database.Write(transaction =>
    {
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            UPDATE otlp_content_offers SET taken_at = @now
            WHERE record_key IN (SELECT record_key FROM otlp_content_offers WHERE {OrphanedSql} ORDER BY since LIMIT @max) AND {OrphanedSql}
            RETURNING since, caller_json, record_json, record_key
            """;
        command.With("cutoff", cutoff.ToUnixTimeMilliseconds()).With("max", max).With("now", Now);
        return Read(transaction, command);
    });

    /// <summary>
    /// Whether anything was offered before <paramref name="cutoff"/>: a read, so that an instance whose records all wait
    /// their time (the store holds them while they do) writes nothing.
    /// </summary>
    public bool AnyBefore(DateTimeOffset cutoff)
    {
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM (SELECT 1 FROM otlp_content_offers WHERE {OrphanedSql} LIMIT 1) offered";
        command.With("cutoff", cutoff.ToUnixTimeMilliseconds());
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>
    /// Of records taken from this instance's hold to be used: those it owns. Each it offered is taken first, and let go
    /// of if another instance took it meanwhile. No store call when none was offered.
    /// </summary>
    public List<OtlpLogHold.Waiting> KeepOwned(List<OtlpLogHold.Waiting> taken)
    {
        if (!taken.Any(w => w.Offer == OfferState.Offered))
        {
            return taken;
        }
        var now = Now;
        var marked = database.Write(transaction =>
        {
            var rows = new HashSet<string>(StringComparer.Ordinal);
            // In chunks: a stopping instance takes its whole hold (up to 50,000 records), past what one statement may bind.
            foreach (var keys in taken.Where(w => w.Offer == OfferState.Offered).Select(w => w.Record.EventId).Distinct(StringComparer.Ordinal).Chunk(ChangedPerStatement))
            {
                using var command = transaction.Connection!.CreateCommand();
                command.Transaction = transaction;
                command.With("now", now);
                command.CommandText = $"UPDATE otlp_content_offers SET taken_at = @now WHERE {command.In("record_key", "k", keys)} AND taken_at IS NULL RETURNING record_key";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    rows.Add(reader.GetString(0));
                }
            }
            return rows;
        });
        var owned = new List<OtlpLogHold.Waiting>(taken.Count);
        foreach (var item in taken)
        {
            if (item.Offer != OfferState.Offered)
            {
                owned.Add(item);
            }
            // Removed from the set as it is kept: a second copy of one record (sent twice) is let go.
            else if (marked.Remove(item.Record.EventId))
            {
                owned.Add(item with { Offer = OfferState.Taken });
            }
        }
        return owned;
    }

    /// <summary>The rows of these records, taken by this instance, in a transaction under way (the one that parks them).</summary>
    public static void UsedIn(DbTransaction transaction, IEnumerable<OtlpLogHold.Waiting> items)
    {
        foreach (var keys in KeysOf(items).Chunk(ChangedPerStatement))
        {
            using var command = transaction.Connection!.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"DELETE FROM otlp_content_offers WHERE {command.In("record_key", "k", keys)}";
            command.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// The rows of records this instance took and has dropped (their runs are gone or ended), or that went in with an
    /// append that stored nothing new (all of it there already, so no transaction deleted them).
    /// </summary>
    public void Forget(IEnumerable<OtlpLogHold.Waiting> items)
    {
        var taken = items.Where(w => w.Offer == OfferState.Taken).ToList();
        if (taken.Count > 0)
        {
            database.Write(transaction =>
            {
                UsedIn(transaction, taken);
                return 0;
            });
        }
    }

    /// <summary>The keys of the rows these records' use deletes: those this instance took.</summary>
    public static IReadOnlyList<string> KeysOf(IEnumerable<OtlpLogHold.Waiting> items) =>
        items.Where(w => w.Offer == OfferState.Taken).Select(w => w.Record.EventId).Distinct(StringComparer.Ordinal).ToList();

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    // Each row read comes taken by this instance; one offered by another version, in a form this one cannot read, is
    // deleted in the same transaction (let go, as a parked record would be), not taken again and again.
    private static List<OtlpLogHold.Waiting> Read(DbTransaction transaction, DbCommand command)
    {
        var claimed = new List<OtlpLogHold.Waiting>();
        var unreadable = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                try
                {
                    claimed.Add(OtlpParkedLogs.FromJson(reader.GetString(1), reader.GetString(2), reader.GetInt64(0)) with { Offer = OfferState.Taken });
                }
                catch (Exception ex) when (ex is JsonException or NullReferenceException or ArgumentNullException)
                {
                    unreadable.Add(reader.GetString(3));
                }
            }
        }
        if (unreadable.Count > 0)
        {
            using var delete = transaction.Connection!.CreateCommand();
            delete.Transaction = transaction;
            delete.CommandText = $"DELETE FROM otlp_content_offers WHERE {delete.In("record_key", "k", unreadable)}";
            delete.ExecuteNonQuery();
        }
        return claimed.OrderBy(w => w.Since).ToList();
    }
}
