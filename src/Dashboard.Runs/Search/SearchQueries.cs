using System.Globalization;
using Dashboard.Model.Search;
using Dashboard.Runs.Storage;

namespace Dashboard.Runs.Search;

/// <summary>Reads the search index: newest documents first, only of runs the caller may see.</summary>
internal sealed class SearchQueries(RunsDatabase database, SearchIndexer indexer)
{
    public SearchPage Search(SearchRequest request)
    {
        // What was stored before the search is found by it, however far behind the background indexing is.
        indexer.CatchUp();
        using var connection = database.OpenRead();
        var hits = new List<(long Id, SearchHit Hit)>(request.Limit);
        var more = false;
        using (var command = connection.CreateCommand())
        {
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
            if (request.From is { } start)
            {
                where.Add("s.started_at >= @from");
                command.With("from", start.ToUnixTimeMilliseconds());
            }
            if (request.To is { } end)
            {
                where.Add("s.started_at < @to");
                command.With("to", end.ToUnixTimeMilliseconds());
            }
            if (request.Before is { } before)
            {
                where.Add($"{id} < @before");
                command.With("before", before);
            }
            command.CommandText = $"""
                SELECT {id}, s.run_id, s.workflow_id, s.started_at, s.step_id, s.loop_index, s.attempt, s.field, s.log_seq, s.body
                FROM {from} WHERE {string.Join(" AND ", where)} ORDER BY {id} DESC LIMIT @limit
                """;
            command.With("limit", request.Limit + 1);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (hits.Count == request.Limit)
                {
                    more = true;
                    break;
                }
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
        var items = WithRuns(connection, hits.Select(h => h.Hit).ToList());
        return new SearchPage(items, more ? hits[^1].Id.ToString(CultureInfo.InvariantCulture) : null);
    }

    // The runs' status and name as they are now (a hit's run may have finished since its payload was indexed).
    private static List<SearchHit> WithRuns(System.Data.Common.DbConnection connection, List<SearchHit> hits)
    {
        if (hits.Count == 0)
        {
            return hits;
        }
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
        return hits.Select(h => runs.TryGetValue(h.RunId, out var run) ? h with { RunStatus = run.Status, WorkflowName = run.Name } : h).ToList();
    }
}
