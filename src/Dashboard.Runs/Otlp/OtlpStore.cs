using System.Globalization;
using Dashboard.Runs.Storage;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// OTLP intake's reads of what any instance stored (<see cref="OtlpSchema"/>), and its few writes outside a batch's
/// transaction. The in-memory <see cref="OtlpTraceIndex"/> answers first; this answers what it does not know: spans
/// another instance took, or this one took before a restart.
/// </summary>
internal sealed class OtlpStore(RunsDatabase database)
{
    /// <summary>A held run end that is due (<see cref="OtlpRunEnds"/>).</summary>
    public sealed record DueEnd(string RunId, string TraceId, DateTimeOffset DueAt, string Caller, string? RootSpan, string EventJson);

    /// <summary>The step each of these spans (trace id, span id) became, for those stored.</summary>
    public List<(string Trace, string Span, OtlpTraceIndex.SpanStep Step)> FindSpans(IEnumerable<(string Trace, string Span)> spans)
    {
        var found = new List<(string, string, OtlpTraceIndex.SpanStep)>();
        // A few hundred values a statement: well under either store's limit on parameters, however the spans fall in traces.
        foreach (var chunk in spans.Distinct().Chunk(400))
        {
            using var connection = database.OpenRead();
            using var command = connection.CreateCommand();
            // One key range per trace: both stores read it through the primary key.
            var terms = chunk.GroupBy(s => s.Trace, s => s.Span, StringComparer.Ordinal).Select((trace, i) =>
            {
                var name = "t" + i.ToString(CultureInfo.InvariantCulture);
                command.With(name, trace.Key);
                return $"(trace_id = @{name} AND {command.In("span_id", name + "s", trace)})";
            }).ToList();
            command.CommandText = $"SELECT trace_id, span_id, run_id, step_id, attempt, loop_index FROM otlp_spans WHERE {string.Join(" OR ", terms)}";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                found.Add((reader.GetString(0), reader.GetString(1), new OtlpTraceIndex.SpanStep(reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetInt32(5))));
            }
        }
        return found;
    }

    /// <summary>The run some span of each of these traces went to (the trace's run, unless a service in it named its own).</summary>
    public Dictionary<string, string> RunsOf(IEnumerable<string> traceIds)
    {
        var runs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in traceIds.Distinct().Chunk(500))
        {
            using var connection = database.OpenRead();
            using var command = connection.CreateCommand();
            // The root's row (no step) when there is one: the run the trace itself became.
            command.CommandText = $"""
                SELECT trace_id, run_id FROM otlp_spans WHERE {command.In("trace_id", "t", chunk)}
                ORDER BY trace_id, CASE WHEN step_id IS NULL THEN 0 ELSE 1 END
                """;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                runs.TryAdd(reader.GetString(0), reader.GetString(1));
            }
        }
        return runs;
    }

    /// <summary>Run ends held until <paramref name="now"/> or before, soonest first.</summary>
    public List<DueEnd> DueEnds(DateTimeOffset now, int limit)
    {
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT run_id, trace_id, due_at, caller, root_span, event_json FROM otlp_run_ends WHERE due_at <= @now ORDER BY due_at LIMIT @limit";
        command.With("now", now.ToUnixTimeMilliseconds()).With("limit", limit);
        using var reader = command.ExecuteReader();
        var due = new List<DueEnd>();
        while (reader.Read())
        {
            due.Add(new DueEnd(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5)));
        }
        return due;
    }

    /// <summary>A trace export's rows where it has no events to store them with (only its root's end came, and is held).</summary>
    public void Write(string runId, OtlpRows rows) => database.Write(transaction =>
    {
        using var statements = new StatementCache();
        OtlpRowWriter.Write(statements, transaction, runId, rows, runEnded: false);
        return 0;
    });

    /// <summary>Lets go of a held end that cannot be appended (its run was deleted, or refused it).</summary>
    public void Release(string runId) => database.Write(transaction =>
    {
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = OtlpRowWriter.ReleaseSql;
        command.With("run", runId);
        return command.ExecuteNonQuery();
    });

    /// <summary>Whether some instance has had log records of <paramref name="service"/>.</summary>
    public bool SendsLogs(string service) => Listed("otlp_log_services", service);

    public void RememberLogService(string service) => List("otlp_log_services", service);

    /// <summary>Whether some instance has had a model call's content events (<see cref="GenAiContent"/>) of <paramref name="service"/>.</summary>
    public bool SendsContent(string service) => Listed("otlp_content_services", service);

    public void RememberContentService(string service) => List("otlp_content_services", service);

    // A service as the tables of services key it: its name, or for a name too long to be a key (PostgreSQL's index
    // refused one of 3,000 characters, a 500 for the whole export) its start and a hash of the whole, so that two long
    // names stay two services.
    private static string Key(string service) => service.Length <= 256
        ? service
        : string.Concat(service.AsSpan(0, 200), "~", Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(service))).AsSpan(0, 16));

    // One of the tables of services (a constant name, never a caller's text).
    private bool Listed(string table, string service)
    {
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table} WHERE service = @service";
        command.With("service", Key(service));
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    private void List(string table, string service) => database.Write(transaction =>
    {
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO {table} (service) VALUES (@service) ON CONFLICT (service) DO NOTHING";
        command.With("service", Key(service));
        return command.ExecuteNonQuery();
    });
}
