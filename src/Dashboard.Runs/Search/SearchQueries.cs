using System.Globalization;
using System.Data.Common;
using Dashboard.Model.Search;
using Dashboard.Runs.Configuration;
using Dashboard.Runs.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs.Search;

/// <summary>Reads the search index: newest documents first, only of runs the caller may see.</summary>
internal sealed partial class SearchQueries(RunsDatabase database, SearchIndexer indexer, IOptions<RunsOptions> options, ILogger<SearchQueries> logger)
{
    public SearchPage Search(SearchRequest request, CancellationToken cancellation)
    {
        // What was stored before the search is found by it, unless the index is further behind than the search may spend
        // catching it up: then the page says so.
        var caughtUp = CatchUp(cancellation);
        cancellation.ThrowIfCancellationRequested();
        using var connection = database.OpenSearchRead();
        var hits = new List<(long Id, SearchHit Hit)>(request.Limit + 1);
        if (database.SearchNewestFirst is { } window)
        {
            // The newest documents read in order first: a term found often fills the page there and then, where the text
            // index would have handed over every document that has it, to be sorted for the newest 20. Only what the
            // window did not fill is asked of the index, below the window.
            // The window is fixed by its ids before it is read: documents stored meanwhile neither push its oldest ones
            // out of it (they would then be in neither read) nor join it. Its LIMIT keeps the planner on the id order.
            var (top, floor) = Window(connection, request.Before, window);
            if (top is not null)
            {
                var range = floor is null ? "id <= @top" : "id <= @top AND id >= @floor";
                Read(connection, request, $"(SELECT * FROM run_search WHERE {range} ORDER BY id DESC LIMIT {window * 2}) s", hits, floorId: null,
                    (top, floor));
            }
            if (hits.Count <= request.Limit && floor is not null)
            {
                Read(connection, request, null, hits, floor);
            }
        }
        else
        {
            Read(connection, request, null, hits, floorId: null);
        }
        var more = hits.Count > request.Limit;
        if (more)
        {
            hits.RemoveAt(hits.Count - 1);
        }
        var items = WithRuns(hits.Select(h => h.Hit).ToList());
        return new SearchPage(items, more ? hits[^1].Id.ToString(CultureInfo.InvariantCulture) : null) { IndexBehind = !caughtUp };
    }

    // A catch-up that fails (a batch the index cannot take) leaves the index as it was: the search answers from it, saying it
    // is behind, rather than every search failing until the batch is dealt with. The background indexer logs it too.
    private bool CatchUp(CancellationToken cancellation)
    {
        try
        {
            return indexer.CatchUp(TimeSpan.FromMilliseconds(options.Value.SearchCatchUpMs), cancellation);
        }
        catch (DbException ex)
        {
            LogCatchUpFailed(logger, ex);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A search could not catch the search index up; it answered from the index as it is (indexBehind)")]
    private static partial void LogCatchUpFailed(ILogger logger, Exception exception);

    // The newest document below the cursor and the oldest of the window of the newest ones (null: the window holds
    // them all); both null when there is none.
    private static (long? Top, long? Floor) Window(DbConnection connection, long? before, int window)
    {
        using var command = connection.CreateCommand();
        var below = before is null ? "" : "WHERE id < @before";
        command.CommandText = $"SELECT (SELECT max(id) FROM run_search {below}), (SELECT id FROM run_search {below} ORDER BY id DESC OFFSET {window - 1} LIMIT 1)";
        if (before is not null)
        {
            command.With("before", before);
        }
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1));
    }

    // Adds to hits, newest first, up to one more than a page: the documents of source (the whole index when null) that
    // match, below floorId when given.
    private void Read(DbConnection connection, SearchRequest request, string? source, List<(long Id, SearchHit Hit)> hits, long? floorId,
        (long? Top, long? Floor) window = default)
    {
        using var command = connection.CreateCommand();
        var (from, match, id) = database.SearchSource(command, request.Terms);
        var where = new List<string> { match };
        if (request.AllowedWorkflows is { } allowed)
        {
            where.Add(command.In("s.workflow_id", "allowed", allowed));
        }
        if (request.WorkflowId is { } workflowId)
        {
            where.Add("s.workflow_id = @workflow");
            command.With("workflow", workflowId);
        }
        command.Within(where, "s.started_at", request.From, request.To);
        if (source is not null)
        {
            // The window's range is below the cursor already.
            (from, id) = (source, "s.id");
            command.With("top", window.Top);
            if (window.Floor is { } bottom)
            {
                command.With("floor", bottom);
            }
        }
        else if (request.Before is { } before)
        {
            where.Add($"{id} < @before");
            command.With("before", before);
        }
        if (floorId is { } floor)
        {
            where.Add($"{id} < @floor");
            command.With("floor", floor);
        }
        command.CommandText = $"""
            SELECT {id}, s.run_id, s.workflow_id, s.started_at, s.step_id, s.loop_index, s.attempt, s.field, s.log_seq, s.body
            FROM {from} WHERE {string.Join(" AND ", where)} ORDER BY {id} DESC LIMIT @limit
            """;
        command.With("limit", request.Limit + 1 - hits.Count);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var (snippet, matches) = SearchSnippet.Of(reader.GetString(9), request.Terms);
            var loopKey = reader.GetInt64(5);
            hits.Add((reader.GetInt64(0), new SearchHit
            {
                RunId = reader.GetString(1),
                WorkflowId = reader.GetString(2),
                StartedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                StepId = reader.IsDBNull(4) ? null : reader.GetString(4),
                LoopIndex = loopKey < 0 ? null : (int)loopKey,
                Attempt = reader.IsDBNull(6) ? null : reader.GetInt32(6),
                Field = reader.GetString(7),
                LogSeq = reader.IsDBNull(8) ? null : reader.GetInt64(8),
                Snippet = snippet,
                Matches = matches,
            }));
        }
    }

    // The runs' status and name as they are now (a hit's run may have finished since its payload was indexed); a hit of a
    // run deleted since is left out (its documents go right after it, or, after a crash in between, never come back).
    private List<SearchHit> WithRuns(List<SearchHit> hits)
    {
        if (hits.Count == 0)
        {
            return hits;
        }
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT id, status, workflow_name FROM runs WHERE {command.In("id", "run", hits.Select(h => h.RunId).Distinct())}";
        var runs = new Dictionary<string, (string Status, string? Name)>(StringComparer.Ordinal);
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                runs[reader.GetString(0)] = (reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
            }
        }
        return [.. hits.Where(h => runs.ContainsKey(h.RunId)).Select(h => h with { RunStatus = runs[h.RunId].Status, WorkflowName = runs[h.RunId].Name })];
    }
}
