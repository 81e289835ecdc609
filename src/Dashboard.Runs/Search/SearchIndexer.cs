using System.Text.Json;
using Dashboard.Model.Events;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;
using Dashboard.Runs.Ingestion;
using Dashboard.Runs.Storage;
using Dashboard.Streams.Core;

namespace Dashboard.Runs.Search;

/// <summary>
/// Makes the search documents behind ingestion: it follows the runs feed from where it stopped, reads each batch's
/// events from its run's stream (the feed entry says where the batch starts and ends), and writes their documents in
/// one transaction per few hundred batches, moving its place in the feed in the same transaction. Ingestion writes
/// nothing for search; a search first catches the indexer up, so whatever was stored before it is found, unless that
/// would take longer than <see cref="Configuration.RunsOptions.SearchCatchUpMs"/> (then the search says the index is behind). On PostgreSQL
/// the place is a row each pass locks before it reads, so instances index in turn, never twice, and the background's
/// passes skip a turn rather than wait.
/// </summary>
internal sealed class SearchIndexer(RunsDatabase database, DurableStreamEngine engine, RecentBatches recent)
{
    private const int FeedBatch = 100;

    private readonly Lock _gate = new();
    private readonly StatementCache _statements = new(database.BatchesWrites);

    /// <summary>
    /// A search's catch-up: indexes the batches stored before it, then fills the text index, for at most
    /// <paramref name="budget"/> (checked between passes of a few hundred batches) and until <paramref name="cancellation"/>.
    /// If another instance is indexing, it waits for that pass and then does what is left. False when the index still
    /// lacks some of what was stored before the call: under ingestion heavier than the indexer keeps up with, a search
    /// answers from the index as it is rather than wait for the whole backlog.
    /// </summary>
    public bool CatchUp(TimeSpan budget, CancellationToken cancellation)
    {
        if (engine.Head(RunStreams.FeedPath) is not { Status: StreamStatus.Ok, NextOffset: { } target })
        {
            // No run was ever stored.
            return true;
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var caughtUp = false;
        while (!caughtUp && clock.Elapsed < budget && !cancellation.IsCancellationRequested)
        {
            caughtUp = Pass(waitForOthers: true) < FeedBatch;
        }
        lock (_gate)
        {
            database.CatchUpSearchIndex();
        }
        return caughtUp || Place() >= target;
    }

    /// <summary>
    /// The background's catch-up, to the feed's tail: when another instance is already indexing, this one leaves it the
    /// work instead of reading the same batches only to find, at the end, that the other has written them.
    /// </summary>
    public void CatchUpUnlessBusy(CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested && Pass(waitForOthers: false) == FeedBatch)
        {
        }
        lock (_gate)
        {
            database.CatchUpSearchIndex();
        }
    }

    // One pass at a time in this process; a search and the background take turns a pass each, so that a search's budget
    // is not spent waiting for the background's whole catch-up.
    private int Pass(bool waitForOthers)
    {
        lock (_gate)
        {
            return IndexFeed(waitForOthers);
        }
    }

    // How far the index has read the runs feed (any instance's indexer).
    private StreamOffset Place()
    {
        using var connection = database.OpenSearchRead();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT feed_offset FROM run_search_progress WHERE id = 1";
        return command.ExecuteScalar() is string place && StreamOffset.TryParse(place, out var offset) ? offset : StreamOffset.Zero;
    }

    /// <summary>
    /// Removes the documents of runs just deleted, where the index is apart from the runs (<see cref="RunsDatabase.SearchApart"/>;
    /// elsewhere they went in the run's own delete). Under the indexer's lock, after the runs' delete: a pass that found
    /// one of them still there has written its documents before this removes them.
    /// </summary>
    public void Forget(IReadOnlyCollection<string> runIds)
    {
        if (!database.SearchApart || runIds.Count == 0)
        {
            return;
        }
        lock (_gate)
        {
            database.WriteSearch(transaction =>
            {
                foreach (var chunk in runIds.Chunk(500))
                {
                    using var delete = transaction.Connection!.CreateCommand();
                    delete.Transaction = transaction;
                    delete.CommandText = $"DELETE FROM run_search WHERE {delete.In("run_id", "r", chunk)}";
                    delete.ExecuteNonQuery();
                }
                return 0;
            });
        }
    }

    // One pass: the indexer's place in the feed locked (on PostgreSQL a row every instance's indexer locks, so they take
    // turns), the next feed entries and their batches read, their documents written and the place moved, then the commit.
    private int IndexFeed(bool waitForOthers) => database.WriteSearch(transaction =>
    {
        string place;
        using (var locked = transaction.Connection!.CreateCommand())
        {
            locked.Transaction = transaction;
            locked.CommandText = $"SELECT feed_offset FROM run_search_progress WHERE id = 1{(waitForOthers ? database.ForUpdate : database.ForUpdateUnlessHeld)}";
            using var reader = locked.ExecuteReader();
            if (!reader.Read())
            {
                // Another instance holds the place: its pass is indexing these batches now.
                return 0;
            }
            place = reader.IsDBNull(0) ? "" : reader.GetString(0);
        }
        var from = StreamOffset.TryParse(place, out var offset) ? offset : StreamOffset.Zero;
        var feed = engine.Read(RunStreams.FeedPath, from, new ReadLimits(8 * 1024 * 1024, FeedBatch));
        if (feed.Status != StreamStatus.Ok || feed.Messages.Count == 0)
        {
            return 0;
        }
        var batches = new List<SearchRows>(feed.Messages.Count);
        var runOffsets = new Dictionary<string, StreamOffset>(StringComparer.Ordinal);
        foreach (var message in feed.Messages)
        {
            var change = JsonSerializer.Deserialize<RunChange>(message.Span, ModelJson.Options);
            if (change?.StartedAt is not { } started || !StreamOffset.TryParse(change.Offset, out var end))
            {
                continue;
            }
            // An entry from before the feed said where a batch starts: from where this pass left the run, else its start.
            var start = StreamOffset.TryParse(change.FromOffset, out var given) ? given : runOffsets.GetValueOrDefault(change.RunId, StreamOffset.Zero);
            runOffsets[change.RunId] = end;
            if ((recent.Take(change.RunId, start, end) ?? Events(change.RunId, start, end)) is { Count: > 0 } events)
            {
                batches.Add(SearchRows.OfEvents(change.RunId, change.WorkflowId, started.ToUnixTimeMilliseconds(), events, change.LogsBefore,
                    (stepId, loop) => LatestAttempt(change.RunId, stepId, loop)));
            }
        }
        // Only runs that are still there (retention may have deleted one since its events were read), and kept there
        // until this commits.
        var existing = database.ExistingRuns(transaction, batches.Select(b => b.RunId));
        try
        {
            SearchIndexWriter.WriteAll(_statements, transaction, [.. batches.Where(b => existing.Contains(b.RunId))], database.BindsArrays);
            // After the pass's documents (a line moved by a span of this pass may have been indexed in it): statements in
            // order, whether run now or sent together.
            foreach (var runId in batches.Where(b => b.StartsSpanSteps && existing.Contains(b.RunId)).Select(b => b.RunId).Distinct(StringComparer.Ordinal))
            {
                SearchIndexWriter.MoveLines(_statements, transaction, runId, MovedLines(runId));
            }
            var move = _statements.For(transaction, "UPDATE run_search_progress SET feed_offset = @next WHERE id = 1");
            StatementCache.Set(move, "next", feed.Next.ToString());
            _statements.Execute(move);
            _statements.Flush(transaction);
        }
        catch
        {
            _statements.Discard();
            throw;
        }
        return feed.Messages.Count;
    });

    // The batch's events as the run's stream keeps them; none when the run was deleted since (retention).
    private List<RunEvent> Events(string runId, StreamOffset start, StreamOffset end)
    {
        var events = new List<RunEvent>();
        var path = RunStreams.PathOf(runId);
        var at = start;
        while (at < end)
        {
            // Only the batch: reading on to the tail re-read every later batch of the run once per batch (quadratic in
            // how far the indexer is behind, and most of PostgreSQL's reads under load).
            var read = engine.Read(path, at, new ReadLimits(16 * 1024 * 1024, 10_000), until: end);
            if (read.Status != StreamStatus.Ok || read.Messages.Count == 0)
            {
                return events;
            }
            for (var i = 0; i < read.Messages.Count && read.MessageEnds[i] <= end.Position; i++)
            {
                using var document = JsonDocument.Parse(read.Messages[i]);
                if (RunEventParser.ParseOne(document.RootElement, i).Event is { } e)
                {
                    events.Add(e);
                }
            }
            at = read.Next;
        }
        return events;
    }

    // The run's log lines that waited for a span and moved onto its step when it came (RunProjectionWriter), by the
    // partial index of lines that kept a span's id: few, whatever the run's size. The runs' store: on SQLite another file.
    private List<(long Seq, string StepId, int? Attempt, long LoopKey)> MovedLines(string runId)
    {
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT seq, step_id, attempt, loop_index {(connection is Microsoft.Data.Sqlite.SqliteConnection ? Projections.RunProjectionWriter.BySpanOnSqlite : "FROM run_logs")} WHERE run_id = @run AND span_id IS NOT NULL AND step_id IS NOT NULL";
        command.With("run", runId);
        using var reader = command.ExecuteReader();
        var moved = new List<(long, string, int?, long)>();
        while (reader.Read())
        {
            moved.Add((reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.GetInt64(3)));
        }
        return moved;
    }

    private int LatestAttempt(string runId, string stepId, int? loopIndex)
    {
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(attempt), 1) FROM run_steps WHERE run_id = @run AND step_id = @step AND loop_index = @loop";
        command.With("run", runId).With("step", stepId).With("loop", Projections.RunProjectionSchema.LoopKey(loopIndex));
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
