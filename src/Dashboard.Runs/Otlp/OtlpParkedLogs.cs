using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Dashboard.Runs.Access;
using Dashboard.Runs.Storage;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// OTLP log records that an instance still held for their spans when it stopped (<see cref="OtlpLogHold"/> is memory),
/// kept in the store (<c>otlp_parked_logs</c>) and taken back by whichever instance runs next: this one after a restart
/// or a deploy, another one at once. Each keeps the key's rights it came with and the time it began to wait, so it waits
/// out the rest of its time as if nothing had happened. A claim deletes what it returns, in one statement, so two
/// instances never both take a record. A process that dies without stopping parks nothing: what it held is in the store
/// as offers (<see cref="OtlpContentOffers"/>), taken back by any instance once its time is up.
/// </summary>
internal sealed class OtlpParkedLogs(RunsDatabase database)
{
    /// <summary>The key's rights as the record came with them (<see cref="Caller"/>'s sets, as arrays).</summary>
    private sealed record ParkedCaller(string Name, string[] Scopes, string[]? Workflows)
    {
        public static ParkedCaller Of(Caller caller) => new(caller.Name, [.. caller.Scopes], caller.Workflows is null ? null : [.. caller.Workflows]);

        public Caller ToCaller() => new(Name, new HashSet<string>(Scopes, StringComparer.Ordinal), Workflows is null ? null : new HashSet<string>(Workflows, StringComparer.Ordinal));
    }

    /// <summary>
    /// Keeps these records in the store; returns how many. The offers this instance took of them go in the same
    /// transaction: a record is in one table or the other, never both, never neither.
    /// </summary>
    public int Park(IReadOnlyList<OtlpLogHold.Waiting> waiting)
    {
        if (waiting.Count == 0)
        {
            return 0;
        }
        return database.Write(transaction =>
        {
            using var command = transaction.Connection!.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO otlp_parked_logs (trace_id, since, caller_json, record_json) VALUES (@trace, @since, @caller, @record)";
            foreach (var item in waiting)
            {
                command.Parameters.Clear();
                var (caller, record) = ToJson(item);
                command.With("trace", item.Record.TraceId)
                    .With("since", item.Since.ToUnixTimeMilliseconds())
                    .With("caller", caller)
                    .With("record", record);
                command.ExecuteNonQuery();
            }
            OtlpContentOffers.UsedIn(transaction, waiting);
            return waiting.Count;
        });
    }

    /// <summary>Whether anything is parked: a read, so that an instance with nothing to take writes nothing.</summary>
    public bool Any()
    {
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM (SELECT 1 FROM otlp_parked_logs LIMIT 1) parked";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>
    /// Takes up to <paramref name="max"/> parked records, the oldest first; none is parked after this. A row this version
    /// cannot read (parked by another one) is counted in <c>Unreadable</c> and let go, rather than met again every second.
    /// <paramref name="alsoInTransaction"/> runs on what was taken before the claim commits (the claimer offers them as
    /// they wait with it): if it fails, nothing was taken.
    /// </summary>
    public (List<OtlpLogHold.Waiting> Claimed, int Unreadable) Claim(int max, Action<DbTransaction, List<OtlpLogHold.Waiting>>? alsoInTransaction = null) => database.Write(transaction =>
    {
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        // Deleted and returned in one statement: on PostgreSQL a second instance's claim of the same rows waits for this
        // one and then finds them gone.
        command.CommandText = """
            DELETE FROM otlp_parked_logs WHERE id IN (SELECT id FROM otlp_parked_logs ORDER BY id LIMIT @max)
            RETURNING id, since, caller_json, record_json
            """;
        command.With("max", max);
        var claimed = new List<(long Id, OtlpLogHold.Waiting Item)>();
        var unreadable = 0;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                try
                {
                    claimed.Add((reader.GetInt64(0), FromJson(reader.GetString(2), reader.GetString(3), reader.GetInt64(1))));
                }
                catch (Exception ex) when (ex is JsonException or NullReferenceException or ArgumentNullException)
                {
                    unreadable++;
                }
            }
        }
        // RETURNING promises no order: back in the order they were parked.
        var items = claimed.OrderBy(c => c.Id).Select(c => c.Item).ToList();
        alsoInTransaction?.Invoke(transaction, items);
        return (items, unreadable);
    });

    /// <summary>A waiting record as it is parked: the key's rights and the record, each as JSON.</summary>
    internal static (string Caller, string Record) ToJson(OtlpLogHold.Waiting item) =>
        (JsonSerializer.Serialize(ParkedCaller.Of(item.Caller)), JsonSerializer.Serialize(item.Record));

    /// <summary>A parked record as it waits again (<paramref name="since"/>: when it began to wait, Unix milliseconds).</summary>
    internal static OtlpLogHold.Waiting FromJson(string caller, string record, long since) =>
        new(JsonSerializer.Deserialize<OtlpLogRecord>(record)!, JsonSerializer.Deserialize<ParkedCaller>(caller)!.ToCaller(), DateTimeOffset.FromUnixTimeMilliseconds(since));
}
