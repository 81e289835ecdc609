using System.Text;
using System.Text.Json;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;
using System.Data.Common;
using Dashboard.Runs.Storage;

namespace Dashboard.Runs.Projections;

/// <summary>Reads of the projections. Rows hold the model's JSON, so most answers are spliced, not re-serialised.</summary>
public sealed class RunQueries
{
    private readonly RunsDatabase _database;
    private readonly int _fewRuns;

    internal RunQueries(RunsDatabase database, int modelFilterFewRuns = 5_000) => (_database, _fewRuns) = (database, Math.Max(1, modelFilterFewRuns));

    public sealed record RunRow(string Json, string WorkflowId, string? Offset);

    public sealed record RunListPage(IReadOnlyList<string> Items, RunListCursor? Next);

    public RunRow? Find(string runId)
    {
        using var connection = _database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT record_json, workflow_id, stream_offset FROM runs WHERE id = @id";
        command.With("id", runId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new RunRow(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)) : null;
    }

    public RunRecord? FindRecord(string runId) =>
        Find(runId) is { } row ? JsonSerializer.Deserialize<RunRecord>(row.Json, ModelJson.Options) : null;

    public RunListPage List(RunListFilter filter, RunListCursor? after, int limit) => ListWithCounts(filter, after, limit, withCounts: false).Page;

    /// <summary>
    /// A page of the list and, when asked, the counts per status (<see cref="CountsSql"/>): one command of two
    /// statements, so on PostgreSQL the executions list's first page, which every viewer of it reloads as runs change, is
    /// one round trip, not two.
    /// </summary>
    public (RunListPage Page, IReadOnlyDictionary<string, int>? Counts) ListWithCounts(RunListFilter filter, RunListCursor? after, int limit, bool withCounts)
    {
        using var connection = _database.OpenRead();
        using var command = connection.CreateCommand();
        var list = ListSql(command, filter, after, limit);
        var counts = withCounts ? WithParametersOf(command, scratch => CountsSql(scratch, filter)) : null;
        command.CommandText = counts is null ? list : list + ";\n" + counts;
        using var reader = command.ExecuteReader();
        var page = ReadPage(reader, limit);
        if (counts is null)
        {
            return (page, null);
        }
        reader.NextResult();
        return (page, ReadCounts(reader));
    }

    private string ListSql(DbCommand command, RunListFilter filter, RunListCursor? after, int limit)
    {
        var where = Where(command, filter, includeStatus: true, walksTheList: true);
        if (after is { } cursor)
        {
            where.Add(filter.Ascending ? "(started_at, id) > (@c_started, @c_id)" : "(started_at, id) < (@c_started, @c_id)");
            command.With("c_started", cursor.StartedAt);
            command.With("c_id", cursor.RunId);
        }
        var direction = filter.Ascending ? "ASC" : "DESC";
        command.With("limit", limit + 1);
        return $"SELECT record_json, started_at, id FROM runs {WhereClause(where)} ORDER BY started_at {direction}, id {direction} LIMIT @limit";
    }

    private static RunListPage ReadPage(DbDataReader reader, int limit)
    {
        var items = new List<string>(limit);
        RunListCursor? last = null;
        var more = false;
        while (reader.Read())
        {
            if (items.Count == limit)
            {
                // The look-ahead row exists: there is a next page, starting after the last row served.
                more = true;
                break;
            }
            items.Add(reader.GetString(0));
            last = new RunListCursor(reader.GetInt64(1), reader.GetString(2));
        }
        return new RunListPage(items, more ? last : null);
    }

    /// <summary>Counts per status under every filter but the status filter itself (so each status chip shows its count).</summary>
    private string CountsSql(DbCommand command, RunListFilter filter)
    {
        if (CountsAreKeptFor(filter))
        {
            // The executions list as it opens (every run, or one workflow's): a sum over the counts the triggers keep.
            var kept = new List<string>();
            Equal(command, kept, "workflow_id", filter.WorkflowId);
            AddWorkflowScope(command, kept, filter.AllowedWorkflows);
            return $"SELECT status, CAST(SUM(count) AS bigint) FROM run_status_counts {WhereClause(kept)} GROUP BY status";
        }
        var where = Where(command, filter, includeStatus: false);
        return $"SELECT status, COUNT(*) FROM runs {WhereClause(where)} GROUP BY status";
    }

    private static Dictionary<string, int> ReadCounts(DbDataReader reader)
    {
        var counts = Enum.GetValues<RunStatus>().ToDictionary(s => s.ToWire(), _ => 0);
        while (reader.Read())
        {
            counts[reader.GetString(0)] = (int)reader.GetInt64(1);
        }
        return counts;
    }

    /// <summary>
    /// A second statement's text for <paramref name="command"/>, its parameters added unless the first statement has them
    /// already: both are made from one filter, so a name they share has one value.
    /// </summary>
    private static string WithParametersOf(DbCommand command, Func<DbCommand, string> statement)
    {
        using var scratch = command.Connection!.CreateCommand();
        var text = statement(scratch);
        foreach (DbParameter parameter in scratch.Parameters)
        {
            if (!command.Parameters.Contains(parameter.ParameterName))
            {
                command.With(parameter.ParameterName.TrimStart('@'), parameter.Value);
            }
        }
        return text;
    }

    /// <summary>Whether the kept counts (per workflow and status) answer: no filter but the workflow and the caller's scope.</summary>
    private static bool CountsAreKeptFor(RunListFilter filter) =>
        filter is { TriggerType: null, ExperimentId: null, ParentRunId: null, Model: null, FailureSignature: null, From: null, To: null } && string.IsNullOrWhiteSpace(filter.Text);

    /// <summary>
    /// An attempt's JSON without its payloads (input, output, mapped output, error stack and data): what timelines and
    /// rollups need, written beside the whole attempt at ingest, so a run with a megabyte output costs a reader nothing of it.
    /// </summary>
    private const string AttemptWithoutPayloads = "timeline_json";

    /// <summary>
    /// The record, every attempt without payloads (as JSON, in order; the first <paramref name="limit"/> when given), how
    /// many attempts there are in all, and the stream offset, read in one transaction so that they agree.
    /// </summary>
    public (RunRow Row, IReadOnlyList<string> AttemptsJson, int AttemptCount)? Snapshot(string runId, int? limit = null)
    {
        using var connection = _database.OpenRead();
        using var transaction = _database.BeginSnapshot(connection);
        using var record = connection.CreateCommand();
        record.Transaction = transaction;
        record.CommandText = "SELECT record_json, workflow_id, stream_offset FROM runs WHERE id = @id";
        record.With("id", runId);
        RunRow row;
        using (var reader = record.ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }
            row = new RunRow(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        }
        using var steps = connection.CreateCommand();
        steps.Transaction = transaction;
        steps.CommandText = $"SELECT {AttemptWithoutPayloads} FROM run_steps WHERE run_id = @id ORDER BY order_index, attempt{(limit is null ? "" : " LIMIT @limit")}";
        steps.With("id", runId);
        if (limit is { } first)
        {
            steps.With("limit", first);
        }
        var attempts = new List<string>();
        using (var reader = steps.ExecuteReader())
        {
            while (reader.Read())
            {
                attempts.Add(reader.GetString(0));
            }
        }
        var count = attempts.Count;
        if (limit is { } max && count >= max)
        {
            using var total = connection.CreateCommand();
            total.Transaction = transaction;
            total.CommandText = "SELECT COUNT(*) FROM run_steps WHERE run_id = @id";
            total.With("id", runId);
            count = (int)(long)total.ExecuteScalar()!;
        }
        transaction.Commit();
        return (row, attempts, count);
    }

    /// <summary>The latest attempt of every (step, loop iteration), in the order steps first started.</summary>
    public IReadOnlyList<string> LatestSteps(string runId) => Strings(LatestStepsSql, ("run", runId));

    /// <summary>
    /// Read along <c>run_steps_by_order</c>, whose entries hold <c>is_latest</c>: only the latest attempts' rows are fetched,
    /// in order, without a sort of the run's attempts (SQLite's plan for it is tested).
    /// </summary>
    internal const string LatestStepsSql = "SELECT trace_json FROM run_steps WHERE run_id = @run AND is_latest = 1 ORDER BY order_index";

    /// <summary>
    /// Every attempt of one step (or loop iteration), oldest first, as the stored UTF-8 JSON. Bytes, not strings: a payload
    /// of megabytes is then written out as it is, where a string would be held at twice its size and transcoded through a
    /// pooled buffer of three times its size, which the pool keeps.
    /// </summary>
    public IReadOnlyList<byte[]> Attempts(string runId, string stepId, int? loopIndex)
    {
        using var connection = _database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT trace_json FROM run_steps WHERE run_id = @run AND step_id = @step AND loop_index = @loop ORDER BY attempt";
        command.With("run", runId);
        command.With("step", stepId);
        command.With("loop", RunProjectionSchema.LoopKey(loopIndex));
        using var reader = command.ExecuteReader();
        var rows = new List<byte[]>();
        while (reader.Read())
        {
            rows.Add(_database.ReadUtf8(reader, 0));
        }
        return rows;
    }

    /// <summary>The first and last loop iteration a step ran in, and how many; null when it ran in no loop.</summary>
    public (int First, int Last, int Count)? LoopIterations(string runId, string stepId)
    {
        using var connection = _database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(loop_index), MAX(loop_index), COUNT(DISTINCT loop_index) FROM run_steps WHERE run_id = @run AND step_id = @step AND loop_index >= 0";
        command.With("run", runId);
        command.With("step", stepId);
        using var reader = command.ExecuteReader();
        return reader.Read() && !reader.IsDBNull(0)
            ? ((int)reader.GetInt64(0), (int)reader.GetInt64(1), (int)reader.GetInt64(2))
            : null;
    }

    /// <summary>Every attempt of every step of a run, without payloads (for rollups).</summary>
    public IReadOnlyList<StepTrace> AllAttempts(string runId) =>
        Strings($"SELECT {AttemptWithoutPayloads} FROM run_steps WHERE run_id = @run ORDER BY order_index, attempt", ("run", runId))
            .Select(json => JsonSerializer.Deserialize<StepTrace>(json, ModelJson.Options)!)
            .ToList();

    /// <summary>
    /// A page of a run's log lines in time order (lines of one millisecond in the order they came), as stored JSON, and
    /// the seq of its last line to continue after; null when the cursor names no line of the run.
    /// </summary>
    /// <remarks>
    /// Time, not arrival: OTLP records wait for their spans, so a step's lines are stored when its span ends, after lines
    /// of the run written later. A cursor stays the last line's seq (what it always was); its place in time is looked up.
    /// </remarks>
    internal (IReadOnlyList<string> Lines, long? Next, long? Total)? Logs(string runId, RunLogFilter filter, LogPageStart start, int limit)
    {
        using var connection = _database.OpenRead();
        using var command = connection.CreateCommand();
        var where = new List<string> { "run_id = @run" };
        command.With("run", runId);
        if (start.After > 0)
        {
            if (LineTime(connection, runId, start.After) is not { } at)
            {
                return null;
            }
            where.Add("(at, seq) > (@at, @after)");
            command.With("at", at).With("after", start.After);
        }
        if (filter.MinimumRank is { } rank)
        {
            where.Add("level_rank >= @rank");
            command.With("rank", rank);
        }
        if (filter.StepId is { } stepId)
        {
            where.Add("step_id = @step");
            command.With("step", stepId);
        }
        if (filter.Attempt is { } attempt)
        {
            where.Add("attempt = @attempt");
            command.With("attempt", attempt);
        }
        if (filter.LoopIndex is { } loopIndex)
        {
            where.Add("loop_index = @loop");
            command.With("loop", (long)loopIndex);
        }
        if (filter.Text is { } text)
        {
            where.Add($"message {_database.LikeOperator} @text ESCAPE '\\'");
            command.With("text", "%" + EscapeLike(text) + "%");
        }
        // Along (run, at, seq), SQLite's key and PostgreSQL's index: a page reads its lines and the filtered-out ones
        // between them (and, at an offset, the lines before it: a jump into the middle of 100,000 lines skips 50,000
        // entries), never the whole run.
        command.CommandText = $"SELECT line_json, seq FROM run_logs {WhereClause(where)} ORDER BY at, seq LIMIT @limit" + (start.Offset is null ? "" : " OFFSET @offset");
        command.With("limit", limit + 1);
        if (start.Offset is { } offset)
        {
            command.With("offset", offset);
        }
        var lines = new List<string>(Math.Min(limit, 256));
        long last = 0;
        long? next = null;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                if (lines.Count == limit)
                {
                    next = last;
                    break;
                }
                lines.Add(reader.GetString(0));
                last = reader.GetInt64(1);
            }
        }
        if (!start.CountsTotal)
        {
            return (lines, next, null);
        }
        // The same filter counted (same parameters; the page's own clauses dropped): what a scrollbar over every line needs.
        command.Parameters.RemoveAt(DbCommandExtensions.Named("limit"));
        if (start.Offset is not null)
        {
            command.Parameters.RemoveAt(DbCommandExtensions.Named("offset"));
        }
        command.CommandText = $"SELECT COUNT(*) FROM run_logs {WhereClause(where)}";
        return (lines, next, Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
    }

    // A line's time by its key; null when the run has no such line.
    private static long? LineTime(System.Data.Common.DbConnection connection, string runId, long seq)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT at FROM run_logs WHERE run_id = @run AND seq = @seq";
        command.With("run", runId).With("seq", seq);
        return command.ExecuteScalar() is { } at and not DBNull ? Convert.ToInt64(at, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    public IReadOnlyList<string> Children(string parentRunId, IReadOnlySet<string>? allowedWorkflows)
    {
        using var connection = _database.OpenRead();
        using var command = connection.CreateCommand();
        var where = new List<string> { "parent_run_id = @parent" };
        command.With("parent", parentRunId);
        AddWorkflowScope(command, where, allowedWorkflows);
        command.CommandText = $"SELECT record_json FROM runs {WhereClause(where)} ORDER BY started_at, id LIMIT 1000";
        using var reader = command.ExecuteReader();
        var items = new List<string>();
        while (reader.Read())
        {
            items.Add(reader.GetString(0));
        }
        return items;
    }

    /// <summary>
    /// The run and its descendants, a level at a time (one query for the children of a whole level, one for their
    /// counts), <paramref name="depth"/> levels below it, at most <paramref name="perRun"/> children read per run and
    /// <paramref name="maxNodes"/> in all; only runs of <paramref name="allowedWorkflows"/>. A cycle (a child naming its
    /// own descendant as parent) is cut where a run is met again.
    /// </summary>
    public RunTreeNode? Tree(string runId, int depth, int perRun, int maxNodes, IReadOnlySet<string>? allowedWorkflows)
    {
        if (FindRecord(runId) is not { } root)
        {
            return null;
        }
        using var connection = _database.OpenRead();
        var seen = new HashSet<string>(StringComparer.Ordinal) { runId };
        var children = new Dictionary<string, List<RunRecord>>(StringComparer.Ordinal);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var level = new List<string> { runId };
        for (var d = 0; d <= depth && level.Count > 0; d++)
        {
            foreach (var (parent, count) in ChildCounts(connection, level, allowedWorkflows))
            {
                counts[parent] = count;
            }
            if (d == depth || seen.Count >= maxNodes)
            {
                break;
            }
            var next = new List<string>();
            foreach (var child in ChildrenOf(connection, level.Where(counts.ContainsKey).ToList(), allowedWorkflows, maxNodes - seen.Count + 1))
            {
                var siblings = SiblingsOf(children, child.ParentRunId!);
                if (siblings.Count < perRun && seen.Count < maxNodes && seen.Add(child.Id))
                {
                    siblings.Add(child);
                    next.Add(child.Id);
                }
            }
            level = next;
        }
        RunTreeNode Node(RunRecord run) => new()
        {
            Run = run with { Input = null, Result = null, Metadata = null, ColumnConfig = null },
            Children = children.TryGetValue(run.Id, out var list) ? list.Select(Node).ToList() : [],
            ChildCount = counts.GetValueOrDefault(run.Id),
        };
        return Node(root);
    }

    private static List<RunRecord> SiblingsOf(Dictionary<string, List<RunRecord>> children, string parent)
    {
        if (!children.TryGetValue(parent, out var list))
        {
            children[parent] = list = [];
        }
        return list;
    }

    private static List<(string Parent, int Count)> ChildCounts(DbConnection connection, List<string> parents, IReadOnlySet<string>? allowedWorkflows)
    {
        using var command = connection.CreateCommand();
        var where = new List<string> { command.In("parent_run_id", "p", parents) };
        AddWorkflowScope(command, where, allowedWorkflows);
        command.CommandText = $"SELECT parent_run_id, COUNT(*) FROM runs {WhereClause(where)} GROUP BY parent_run_id";
        using var reader = command.ExecuteReader();
        var counts = new List<(string, int)>();
        while (reader.Read())
        {
            counts.Add((reader.GetString(0), (int)reader.GetInt64(1)));
        }
        return counts;
    }

    private static List<RunRecord> ChildrenOf(DbConnection connection, List<string> parents, IReadOnlySet<string>? allowedWorkflows, int limit)
    {
        if (parents.Count == 0)
        {
            return [];
        }
        using var command = connection.CreateCommand();
        var where = new List<string> { command.In("parent_run_id", "p", parents) };
        AddWorkflowScope(command, where, allowedWorkflows);
        command.CommandText = $"SELECT record_json FROM runs {WhereClause(where)} ORDER BY started_at, id LIMIT @limit";
        command.With("limit", limit);
        using var reader = command.ExecuteReader();
        var records = new List<RunRecord>();
        while (reader.Read())
        {
            records.Add(JsonSerializer.Deserialize<RunRecord>(reader.GetString(0), ModelJson.Options)!);
        }
        return records;
    }

    /// <summary>Each (step id, stored loop index) of the run with its highest attempt: where new attempts and iterations go on from.</summary>
    internal Dictionary<(string StepId, long LoopKey), int> HighestAttempts(string runId)
    {
        using var connection = _database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT step_id, loop_index, MAX(attempt) FROM run_steps WHERE run_id = @run GROUP BY step_id, loop_index";
        command.With("run", runId);
        using var reader = command.ExecuteReader();
        var attempts = new Dictionary<(string, long), int>();
        while (reader.Read())
        {
            attempts[(reader.GetString(0), reader.GetInt64(1))] = Convert.ToInt32(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture);
        }
        return attempts;
    }

    private IReadOnlyList<string> Strings(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = _database.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.With(name, value);
        }
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(reader.GetString(0));
        }
        return rows;
    }

    /// <param name="walksTheList">A page (read in the list's order until it is full), not counts (which visit every match).</param>
    private List<string> Where(DbCommand command, RunListFilter filter, bool includeStatus, bool walksTheList = false)
    {
        var where = new List<string>();
        // A failure group's runs are looked up by id when they are few (or all counted): walking the list, or a
        // workflow's or a status's runs, in search of an old group of 40 went through all of them (40,000 runs: 16-51 ms
        // on SQLite, where the group's own 40 cost under 2).
        var byGroup = filter.FailureSignature is { } group && (!walksTheList || FewRunsIn(command, "run_failures", "signature", group));
        string Column(string name) => byGroup ? _database.NotByIndex(name) : name;
        if (includeStatus && filter.Statuses.Count > 0)
        {
            where.Add(command.In(Column("status"), "status", filter.Statuses.Select(s => s.ToWire())));
        }
        Equal(command, where, "workflow_id", filter.WorkflowId, Column("workflow_id"));
        Equal(command, where, "trigger_type", filter.TriggerType, Column("trigger_type"));
        Equal(command, where, "experiment_id", filter.ExperimentId, Column("experiment_id"));
        Equal(command, where, "parent_run_id", filter.ParentRunId, Column("parent_run_id"));
        if (filter.Model is { } model)
        {
            where.Add(!walksTheList || FewRunsIn(command, "run_models", "model", model)
                ? "id IN (SELECT run_id FROM run_models WHERE model = @model)"
                : "EXISTS (SELECT 1 FROM run_models m WHERE m.run_id = runs.id AND m.model = @model)");
            command.With("model", model);
        }
        if (filter.FailureSignature is { } signature)
        {
            // A group's runs, as its count has them: a run resumed since its failure has left the group. A big group's
            // page walks the list and probes each run by its key: the group's runs looked up by id first were all
            // gathered before the walk began (a group of 24,900 in a million runs: 11.9 ms for a page, 0.7 probing).
            where.Add((byGroup
                ? "id IN (SELECT run_id FROM run_failures WHERE signature = @signature)"
                : "EXISTS (SELECT 1 FROM run_failures f WHERE f.run_id = runs.id AND f.signature = @signature)") + $" AND {Column("status")} IN ('failed', 'timeout')");
            command.With("signature", signature);
        }
        command.Within(where, "started_at", filter.From, filter.To);
        if (!string.IsNullOrWhiteSpace(filter.Text))
        {
            var like = $"{_database.LikeOperator} @text ESCAPE '\\'";
            where.Add($"(id {like} OR workflow_id {like} OR workflow_name {like} OR error_message {like})");
            command.With("text", "%" + EscapeLike(filter.Text.Trim()) + "%");
        }
        AddWorkflowScope(command, where, filter.AllowedWorkflows);
        return where;
    }

    /// <summary>
    /// Whether fewer runs than <c>Runs:ModelFilterFewRuns</c> (5,000) called the model, for a page (counts always look
    /// the model's runs up: they visit every match either way). Few: its runs are looked up by id and sorted (a walk of
    /// the list in its order, probing each run, went through all of a million runs for a model a hundred called: 340 ms).
    /// Many: the list is walked, which finds a page in a few thousand probes unless the model's runs are all old (looking
    /// a hundred thousand up and sorting them took 330 ms). SQLite has no statistics to choose by; a count stopped at the
    /// bound is one short range of the model's index.
    /// </summary>
    /// <remarks>A failure group's runs (<c>run_failures</c>) are chosen between the same two ways, by the same bound.</remarks>
    private bool FewRunsIn(DbCommand command, string table, string column, string value)
    {
        if (_database.PlansSemiJoins)
        {
            // Either form is planned alike there: the count would be a round trip spent on nothing (0.1-0.6 ms).
            return true;
        }
        using var count = command.Connection!.CreateCommand();
        count.Transaction = command.Transaction;
        count.CommandText = $"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {column} = @value LIMIT {_fewRuns}) AS few";
        count.With("value", value);
        return Convert.ToInt64(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) < _fewRuns;
    }

    private static void AddWorkflowScope(DbCommand command, List<string> where, IReadOnlySet<string>? allowed)
    {
        if (allowed is not null)
        {
            where.Add(command.In("workflow_id", "allowed", allowed));
        }
    }

    /// <param name="sql">How the column is written (<see cref="Storage.RunsDatabase.NotByIndex"/>); its name by default.</param>
    private static void Equal(DbCommand command, List<string> where, string column, string? value, string? sql = null)
    {
        if (value is null)
        {
            return;
        }
        where.Add($"{sql ?? column} = @{column}");
        command.With(column, value);
    }

    private static string WhereClause(List<string> where) => where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);

    private static string EscapeLike(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '%' or '_' or '\\')
            {
                escaped.Append('\\');
            }
            escaped.Append(c);
        }
        return escaped.ToString();
    }
}
