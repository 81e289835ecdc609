using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Dashboard.Runs.Storage;
using Microsoft.Extensions.Logging;
using static Dashboard.Runs.Storage.StatementCache;

namespace Dashboard.Runs.Insights;

/// <summary>
/// The insights aggregates, added to behind ingestion. A write transaction stores its batches' deltas as one row of
/// <c>insight_pending</c> (one insert, where adding them took an upsert per step, grain and model: about a hundred a batch
/// of 50 steps, on the one writer SQLite has and on rows every batch of a workflow shares on PostgreSQL). A pass takes the
/// oldest pending rows, sums the deltas of every batch among them that adds to the same rows (the runs of one workflow
/// share its steps' rows), adds them and deletes the rows it took, in one transaction: each delta is added once, and none
/// is lost if the process stops in between. Passes run in the background and before every read of the aggregates
/// (<see cref="CatchUp"/>), so a read sees every batch stored before it. On PostgreSQL a pass first locks the one row of
/// <c>insight_pending_turn</c>: the instances' passes take turns, and a background pass that finds it held skips its own.
/// <para>
/// Each row says how its deltas are written (<see cref="Format"/>). A pass takes only rows of a format it knows, so that
/// during a rolling upgrade an older instance leaves a newer one's rows to it instead of failing on them; a row of a known
/// format that cannot be read is set aside in <c>insight_unreadable</c> (and logged), not left to stop every pass after it;
/// so is a row the store refuses to add (<see cref="RefusesData"/>), found by adding the pass's rows one by one.
/// </para>
/// </summary>
internal sealed class InsightsOutbox(RunsDatabase database, TimeProvider time, ILogger<InsightsOutbox> logger)
{
    /// <summary>How this version writes a row's deltas: the JSON of <see cref="InsightsDeltaJson"/>. A change to it takes a new number.</summary>
    public const int Format = 1;

    /// <summary>Pending rows a pass takes at most: each holds one write transaction's batches (up to a few dozen).</summary>
    public const int PassRows = 200;

    private const string InsertSql = "INSERT INTO insight_pending (format, deltas) VALUES (@format, @deltas)";

    private readonly Lock _gate = new();
    private readonly StatementCache _statements = new(database.BatchesWrites);
    private readonly WorkflowNamesWritten _workflowNames = new(time);

    // The pending rows the last pass took (under the gate): the one a pass of one row was refused on is set aside by id.
    private List<long> _tried = [];

    /// <summary>Stores the deltas of the batches of <paramref name="transaction"/> (in it: they land with the batches or not at all).</summary>
    public static void Add(StatementCache statements, DbTransaction transaction, IReadOnlyList<InsightsDelta> deltas)
    {
        var counted = InsightsDeltaMerge.Merge(deltas).Where(d => !d.IsEmpty).ToList();
        if (counted.Count == 0)
        {
            return;
        }
        var insert = statements.For(transaction, InsertSql);
        Set(insert, "format", Format);
        Set(insert, "deltas", JsonSerializer.SerializeToUtf8Bytes(counted, InsightsDeltaJson.Options));
        statements.Execute(insert);
    }

    /// <summary>
    /// A read's catch-up: passes until every row pending when it was called is added, for at most <paramref name="budget"/>
    /// (checked between passes). Waits for another instance's pass rather than skip. False when rows from before the call
    /// are still pending (ingestion heavier than the passes keep up with): the read then answers from the aggregates as
    /// they are.
    /// </summary>
    public bool CatchUp(TimeSpan budget)
    {
        if (Pending() is not { } last)
        {
            return true;
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            // Checked after every pass, full or not: under heavy ingestion a read must stop at what was stored before it,
            // not go on adding what came in since until its budget runs out.
            Pass(waitForOthers: true);
            if (Pending(upTo: last) is null)
            {
                return true;
            }
            if (clock.Elapsed >= budget)
            {
                return false;
            }
        }
    }

    /// <summary>The background's catch-up, until nothing is pending; a pass that another instance holds the turn for is left to it.</summary>
    public void CatchUpUnlessBusy(CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested && Pass(waitForOthers: false) == PassRows)
        {
        }
    }

    /// <summary>
    /// The newest pending row's id (of those up to <paramref name="upTo"/> when given: then the oldest of them), null when
    /// none is pending; read outside any write, so an idle service's reads cost one index probe. Rows of a format this
    /// version does not know are not pending for it (a newer instance adds them).
    /// </summary>
    private long? Pending(long? upTo = null)
    {
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        // Walked by the key from one end, not max()/min() over a filtered column: the first row of a known format ends it.
        command.CommandText = upTo is null
            ? $"SELECT id FROM insight_pending WHERE format <= {Format} ORDER BY id DESC LIMIT 1"
            : $"SELECT id FROM insight_pending WHERE id <= @last AND format <= {Format} ORDER BY id LIMIT 1";
        if (upTo is { } last)
        {
            command.With("last", last);
        }
        return command.ExecuteScalar() is { } value and not DBNull ? Convert.ToInt64(value, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>One pass: the oldest pending rows added and deleted; how many it took (0 when none, or the turn was held and not waited for).</summary>
    private int Pass(bool waitForOthers)
    {
        lock (_gate)
        {
            try
            {
                return database.WriteAside(transaction => AddPending(transaction, waitForOthers, PassRows));
            }
            catch (DbException ex) when (RefusesData(ex))
            {
                // Some row's deltas hold what the store refuses (a value too long for a key's index): each row alone, so
                // that the one refused is set aside and the rest are counted, where every pass after it failed on it.
                logger.LogWarning(ex, "Insights: a pass was refused by the store; its pending rows are added one by one to set aside the row refused");
                return AddOneByOne(waitForOthers);
            }
        }
    }

    private int AddOneByOne(bool waitForOthers)
    {
        var taken = 0;
        for (var i = 0; i < PassRows; i++)
        {
            int added;
            try
            {
                added = database.WriteAside(transaction => AddPending(transaction, waitForOthers, limit: 1));
            }
            catch (DbException ex) when (RefusesData(ex) && _tried is [var refused])
            {
                added = database.WriteAside(transaction => SetAsideRefused(transaction, waitForOthers, refused, ex.Message));
            }
            if (added == 0)
            {
                break;
            }
            taken += added;
        }
        return taken;
    }

    /// <summary>
    /// An error that says the data cannot be stored as it is, which trying again will not change: PostgreSQL's data
    /// exceptions, constraint violations and exceeded limits (SQLSTATE classes 22, 23, 54); SQLite's too big, constraint,
    /// mismatch and range errors. Lost connections, deadlocks and timeouts are not: the rows stay pending for the next pass.
    /// </summary>
    internal static bool RefusesData(DbException exception) => exception switch
    {
        Npgsql.PostgresException postgres => postgres.SqlState is ['2', '2', ..] or ['2', '3', ..] or ['5', '4', ..],
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode is 18 or 19 or 20 or 25,
        _ => false,
    };

    // A pending row the store refused on its own, kept aside as it is (and logged). 1 when it is dealt with: set aside
    // here, or already gone (another instance's pass took it meanwhile); 0 when the turn was held and not waited for.
    private int SetAsideRefused(DbTransaction transaction, bool waitForOthers, long id, string error)
    {
        if (!TakeTurn(transaction, waitForOthers))
        {
            return 0;
        }
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT id, format, deltas FROM insight_pending WHERE id = @id";
        command.With("id", id);
        Unreadable? row = null;
        using (var reader = command.ExecuteReader())
        {
            if (reader.Read())
            {
                row = new Unreadable(reader.GetInt64(0), reader.GetInt32(1), (byte[])reader.GetValue(2), "The store refused its deltas: " + error);
            }
        }
        if (row is null)
        {
            return 1;
        }
        SetAside(transaction, [row], "could not be added (the store refused it alone)");
        Delete(transaction, [row.Id]);
        return 1;
    }

    private int AddPending(DbTransaction transaction, bool waitForOthers, int limit)
    {
        if (!TakeTurn(transaction, waitForOthers))
        {
            return 0;
        }
        var (ids, deltas, unreadable) = ReadPending(transaction, limit);
        _tried = ids;
        if (ids.Count == 0)
        {
            return 0;
        }
        try
        {
            SetAside(transaction, unreadable);
            var shard = database.InsightShard(transaction);
            // By workflow, its sums before its other rows; a workflow's first sighting and failures in the order
            // they were stored (a failure group keeps its latest examples first).
            foreach (var delta in InsightsDeltaMerge.Merge(deltas).OrderBy(d => d.WorkflowId, StringComparer.Ordinal)
                .ThenBy(d => d.Run is null && d.Steps.Count == 0).ThenBy(d => d.Failure?.Signature, StringComparer.Ordinal))
            {
                InsightsWriter.Write(_statements, transaction, delta, shard, _workflowNames);
            }
            _statements.Flush(transaction);
            Delete(transaction, ids);
        }
        catch
        {
            // The transaction rolls back: the rows stay pending, and the names it wrote may not have been kept.
            _statements.Discard();
            _workflowNames.Forget();
            throw;
        }
        return ids.Count;
    }

    // SQLite has one writer: a pass there has the turn by writing at all, and the row is always found.
    private bool TakeTurn(DbTransaction transaction, bool waitForOthers)
    {
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT id FROM insight_pending_turn WHERE id = 1" + (waitForOthers ? database.ForUpdate : database.ForUpdateUnlessHeld);
        return command.ExecuteScalar() is not null;
    }

    /// <summary>A pending row whose deltas could not be read, and why.</summary>
    private sealed record Unreadable(long Id, int Format, byte[] Deltas, string Error);

    private static (List<long> Ids, List<InsightsDelta> Deltas, List<Unreadable> Unreadable) ReadPending(DbTransaction transaction, int limit)
    {
        var (ids, deltas, unreadable) = (new List<long>(), new List<InsightsDelta>(), new List<Unreadable>());
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT id, format, deltas FROM insight_pending WHERE format <= {Format} ORDER BY id LIMIT {limit}";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var (id, format, bytes) = (reader.GetInt64(0), reader.GetInt32(1), (byte[])reader.GetValue(2));
            ids.Add(id);
            try
            {
                deltas.AddRange(JsonSerializer.Deserialize<List<InsightsDelta>>(bytes, InsightsDeltaJson.Options)
                    ?? throw new JsonException("The row holds null, not a list of deltas."));
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException)
            {
                unreadable.Add(new Unreadable(id, format, bytes, ex.Message));
            }
        }
        return (ids, deltas, unreadable);
    }

    /// <summary>
    /// Rows that cannot be read are kept aside, as they were, in the pass that took them, and logged: what they held is
    /// not counted (the aggregates undercount those batches), but the rows after them are.
    /// </summary>
    private void SetAside(DbTransaction transaction, List<Unreadable> unreadable, string what = "could not be read")
    {
        if (unreadable.Count == 0)
        {
            return;
        }
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO insight_unreadable (id, format, deltas, error, set_aside_at) VALUES (@id, @format, @deltas, @error, @at)";
        foreach (var row in unreadable)
        {
            command.Parameters.Clear();
            command.With("id", row.Id).With("format", row.Format).With("deltas", row.Deltas).With("error", row.Error)
                .With("at", time.GetUtcNow().ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
            logger.LogError("Insights: pending row {Id} (format {Format}, {Bytes} bytes) {What} and was set aside in insight_unreadable; the batches it held are not counted. {Error}",
                row.Id, row.Format, row.Deltas.Length, what, row.Error);
        }
    }

    // By the ids taken, not their range: on PostgreSQL a row whose id falls between them may have been committed since they were read.
    private static void Delete(DbTransaction transaction, List<long> ids)
    {
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"DELETE FROM insight_pending WHERE id IN ({string.Join(',', ids.Select(id => id.ToString(CultureInfo.InvariantCulture)))})";
        command.ExecuteNonQuery();
    }
}
