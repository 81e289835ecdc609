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
/// here, where its own memory has none. Whoever deletes a record's row owns the record: the instance that offered it
/// withdraws it before it uses it (<see cref="KeepOwned"/>) and lets go of it if another claimed it first, so a prompt is
/// its step's input once, never also a log line elsewhere.
/// </summary>
internal sealed partial class OtlpContentOffers(RunsDatabase database, ILogger<OtlpContentOffers> logger)
{
    private const int WithdrawnPerStatement = 1_000;

    /// <summary>Offers these (records as they begin, or go on, to wait here): each row keyed by its record's event id.</summary>
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
                command.CommandText = OfferSql;
                Bind(item, (name, value) =>
                {
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = "@" + name;
                    parameter.Value = value;
                    command.Parameters.Add(parameter);
                });
                batch.BatchCommands.Add(command);
            }
            batch.ExecuteNonQuery();
            return;
        }
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = OfferSql;
        foreach (var item in items)
        {
            insert.Parameters.Clear();
            Bind(item, (name, value) => insert.With(name, value));
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// These records as they wait on here: offered (<see cref="Offer"/>), or, if the store cannot take them now, kept in
    /// memory alone (as before they were offered), rather than lost with the failed write.
    /// </summary>
    public List<OtlpLogHold.Waiting> OfferOrKeep(IEnumerable<OtlpLogHold.Waiting> waiting)
    {
        var items = waiting.Select(w => w with { Offered = true }).ToList();
        try
        {
            Offer(items);
            return items;
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            LogNotOffered(logger, items.Count, ex);
            return items.Select(w => w with { Offered = false }).ToList();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP logs: {Count} record(s) waiting for their spans could not be offered in the store; they wait in memory only (lost if this process is killed)")]
    private static partial void LogNotOffered(ILogger logger, int count, Exception exception);

    // A record sent twice (an exporter's retry) is offered once: the second copy finds the row gone when used.
    private const string OfferSql = """
        INSERT INTO otlp_content_offers (record_key, trace_id, span_id, since, caller_json, record_json)
        VALUES (@key, @trace, @span, @since, @caller, @record) ON CONFLICT (record_key) DO NOTHING
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
    /// comes owned (not offered) by this instance.
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
            command.With("trace", traceId);
            command.CommandText = $"""
                DELETE FROM otlp_content_offers WHERE trace_id = @trace AND {command.In("span_id", "s", spanIds)}
                RETURNING since, caller_json, record_json
                """;
            return Read(command);
        });
    }

    // A read first: a wait polls, and most polls find nothing, which should not take the store's one writer (SQLite).
    private bool AnyFor(string traceId, IReadOnlyCollection<string> spanIds)
    {
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.With("trace", traceId);
        command.CommandText = $"SELECT COUNT(*) FROM (SELECT 1 FROM otlp_content_offers WHERE trace_id = @trace AND {command.In("span_id", "s", spanIds)} LIMIT 1) offered";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>Rows offered before <paramref name="cutoff"/> and never withdrawn: their instance stopped without using them.</summary>
    public List<OtlpLogHold.Waiting> ClaimOrphans(DateTimeOffset cutoff, int max) => database.Write(transaction =>
    {
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            DELETE FROM otlp_content_offers WHERE record_key IN (SELECT record_key FROM otlp_content_offers WHERE since < @cutoff ORDER BY since LIMIT @max)
            RETURNING since, caller_json, record_json
            """;
        command.With("cutoff", cutoff.ToUnixTimeMilliseconds()).With("max", max);
        return Read(command);
    });

    /// <summary>
    /// Whether anything was offered before <paramref name="cutoff"/>: a read, so that an instance whose records all wait
    /// their time (the store holds them while they do) writes nothing.
    /// </summary>
    public bool AnyBefore(DateTimeOffset cutoff)
    {
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM (SELECT 1 FROM otlp_content_offers WHERE since < @cutoff LIMIT 1) offered";
        command.With("cutoff", cutoff.ToUnixTimeMilliseconds());
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>
    /// Of records taken from this instance's hold to be used: those it owns. Each it offered is withdrawn first, and let
    /// go of if another instance claimed it meanwhile. No store call when none was offered.
    /// </summary>
    public List<OtlpLogHold.Waiting> KeepOwned(List<OtlpLogHold.Waiting> taken)
    {
        if (!taken.Any(w => w.Offered))
        {
            return taken;
        }
        var withdrawn = database.Write(transaction =>
        {
            var deleted = new HashSet<string>(StringComparer.Ordinal);
            // In chunks: a stopping instance withdraws its whole hold (up to 50,000 records), past what one statement may bind.
            foreach (var keys in taken.Where(w => w.Offered).Select(w => w.Record.EventId).Distinct(StringComparer.Ordinal).Chunk(WithdrawnPerStatement))
            {
                using var command = transaction.Connection!.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = $"DELETE FROM otlp_content_offers WHERE {command.In("record_key", "k", keys)} RETURNING record_key";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    deleted.Add(reader.GetString(0));
                }
            }
            return deleted;
        });
        var owned = new List<OtlpLogHold.Waiting>(taken.Count);
        foreach (var item in taken)
        {
            if (!item.Offered)
            {
                owned.Add(item);
            }
            // Removed from the set as it is kept: a second copy of one record (sent twice) is let go.
            else if (withdrawn.Remove(item.Record.EventId))
            {
                owned.Add(item with { Offered = false });
            }
        }
        return owned;
    }

    private static List<OtlpLogHold.Waiting> Read(System.Data.Common.DbCommand command)
    {
        var claimed = new List<OtlpLogHold.Waiting>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            try
            {
                claimed.Add(OtlpParkedLogs.FromJson(reader.GetString(1), reader.GetString(2), reader.GetInt64(0)));
            }
            catch (Exception ex) when (ex is JsonException or NullReferenceException or ArgumentNullException)
            {
                // Offered by another version, in a form this one cannot read: let go, as a parked record would be.
            }
        }
        return claimed.OrderBy(w => w.Since).ToList();
    }
}
