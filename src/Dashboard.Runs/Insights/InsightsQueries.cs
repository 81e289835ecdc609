using System.Text.Json;
using Dashboard.Model.Insights;
using Dashboard.Model.Runs;
using System.Data.Common;
using Dashboard.Runs.Storage;

namespace Dashboard.Runs.Insights;

/// <summary>
/// Reads of the insights aggregates (<see cref="InsightsSchema"/>): each answer sums the rows of the period's buckets,
/// a few thousand at most for 30 days, whatever the number of runs.
/// </summary>
internal sealed partial class InsightsQueries(RunsDatabase database, InsightsOutbox outbox, Microsoft.Extensions.Options.IOptions<Configuration.RunsOptions> options,
    ILogger<InsightsQueries> logger)
{
    private readonly TimeSpan _catchUp = TimeSpan.FromMilliseconds(Math.Max(0, options.Value.InsightsCatchUpMs));

    private static readonly string[] Statuses = ["running", "waiting", "completed", "failed", "cancelled", "timeout"];

    // Every batch stored before the read counts in its answer (the aggregates are added to behind ingestion), unless that
    // would take longer than Runs:InsightsCatchUpMs. A pass that fails leaves its deltas pending: the read answers from
    // the aggregates as they are, as it would past the budget, and the failure is logged.
    private void CatchUp()
    {
        try
        {
            if (!outbox.CatchUp(_catchUp))
            {
                LogBehind(logger, _catchUp.TotalMilliseconds);
            }
        }
        catch (DbException ex)
        {
            LogCatchUpFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "An insights read answered with deltas still pending after {BudgetMs} ms (Runs:InsightsCatchUpMs)")]
    private static partial void LogBehind(ILogger logger, double budgetMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An insights read could not add the pending deltas first; it answered from the aggregates as they are")]
    private static partial void LogCatchUpFailed(ILogger logger, Exception exception);

    public InsightsSummary Summary(InsightsQuery query)
    {
        CatchUp();
        using var connection = database.OpenRead();
        var current = Period(connection, query);
        return current with { Previous = Period(connection, query.Previous), NotCounted = query.Visible is null ? NotCounted(connection) : null };
    }

    /// <summary>
    /// The pending rows set aside (<see cref="InsightsOutbox"/>): every figure leaves their batches out, and a reader
    /// should know, not only the log. Not per period or workflow (a row holds many batches' deltas, of any): shown only to
    /// a caller who sees every workflow.
    /// </summary>
    private static InsightsNotCounted? NotCounted(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), max(set_aside_at) FROM insight_unreadable";
        using var reader = command.ExecuteReader();
        return reader.Read() && reader.GetInt64(0) is > 0 and var count
            ? new InsightsNotCounted(count, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)))
            : null;
    }

    private static InsightsSummary Period(DbConnection connection, InsightsQuery query)
    {
        var totals = RunTotals(connection, query, groupBy: null).GetValueOrDefault("") ?? RunSums.Empty;
        var durations = Durations(connection, query, groupBy: null).GetValueOrDefault("") ?? [];
        return new InsightsSummary
        {
            From = query.From,
            To = query.To,
            Runs = totals.Runs,
            ByStatus = totals.ByStatus(),
            FailureRate = totals.FailureRate,
            DurationMs = new DurationPercentiles(
                DurationHistogram.Percentile(durations, 50), DurationHistogram.Percentile(durations, 95), DurationHistogram.Percentile(durations, 99)),
            CostUsd = totals.CostUsd,
            Tokens = new TokenTotals(totals.Prompt, totals.Cached, totals.Completion),
        };
    }

    public InsightsTimeseries Timeseries(InsightsQuery query, string bucketName, TimeSpan bucketSize)
    {
        CatchUp();
        using var connection = database.OpenRead();
        var size = (long)bucketSize.TotalMilliseconds;
        var groupBy = $"(bucket - (bucket % {size}))";
        var sums = RunTotals(connection, query, groupBy);
        var durations = Durations(connection, query, groupBy);
        var first = Floor(query.From.ToUnixTimeMilliseconds(), size);
        var buckets = new List<InsightsBucket>();
        for (var start = first; start < query.To.ToUnixTimeMilliseconds(); start += size)
        {
            var key = start.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var row = sums.GetValueOrDefault(key) ?? RunSums.Empty;
            buckets.Add(new InsightsBucket
            {
                Start = DateTimeOffset.FromUnixTimeMilliseconds(start),
                Runs = row.Runs,
                ByStatus = row.ByStatus(),
                FailureRate = row.FailureRate,
                P95DurationMs = durations.TryGetValue(key, out var bins) ? DurationHistogram.Percentile(bins, 95) : null,
                CostUsd = row.CostUsd,
            });
        }
        return new InsightsTimeseries(bucketName, buckets);
    }

    /// <summary>The workflows in the order asked (<see cref="HealthOrders.Workflows"/>), the first <paramref name="limit"/>: a workflow per tenant makes thousands.</summary>
    public WorkflowHealthList Workflows(InsightsQuery query, string? sort = null, bool descending = true, int limit = int.MaxValue)
    {
        CatchUp();
        using var connection = database.OpenRead();
        var sums = RunTotals(connection, query, "workflow_id");
        var durations = Durations(connection, query, "workflow_id");
        var known = new Dictionary<string, (string? Name, long? LastRun, long? LastFailure)>(StringComparer.Ordinal);
        using (var command = connection.CreateCommand())
        {
            // The last run's start from the runs (one probe of the index by workflow and start each): retention's deletes show.
            command.CommandText = """
                SELECT w.workflow_id, w.workflow_name, (SELECT max(r.started_at) FROM runs r WHERE r.workflow_id = w.workflow_id), w.last_failure_at
                FROM insight_workflows w
                """;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                known[reader.GetString(0)] = (reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetInt64(3));
            }
        }
        var workflows = HealthOrders.Workflows.Sort(sums.Where(pair => pair.Value.Runs > 0).Select(pair =>
        {
            var (workflowId, row) = pair;
            var bins = durations.GetValueOrDefault(workflowId) ?? [];
            var info = known.GetValueOrDefault(workflowId);
            return new WorkflowHealth
            {
                WorkflowId = workflowId,
                WorkflowName = info.Name,
                Runs = row.Runs,
                Failed = row.Failed + row.Timeout,
                FailureRate = row.FailureRate,
                P50DurationMs = DurationHistogram.Percentile(bins, 50),
                P95DurationMs = DurationHistogram.Percentile(bins, 95),
                CostUsd = row.CostUsd,
                LastRunAt = Time(info.LastRun),
                LastFailureAt = Time(info.LastFailure),
            };
        }), sort, descending);
        return new WorkflowHealthList(workflows.Count > limit ? [.. workflows.Take(limit)] : workflows) { TotalWorkflows = workflows.Count };
    }

    public FailureGroupList Failures(InsightsQuery query, int limit)
    {
        CatchUp();
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        var where = Where(command, query);
        command.CommandText = $"""
            SELECT g.signature, CAST(SUM(f.count) AS BIGINT) AS n, g.workflow_id, g.step_id, g.error_code, g.error_type, g.message, g.first_seen, g.last_seen, g.examples
            FROM insight_failures f JOIN insight_failure_groups g ON g.signature = f.signature
            WHERE {where}
            GROUP BY g.signature ORDER BY n DESC, g.last_seen DESC LIMIT @limit
            """;
        command.With("limit", limit);
        var groups = new List<FailureGroup>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                groups.Add(GroupOf(reader));
            }
        }
        if (groups.Count == 0)
        {
            return new FailureGroupList(groups);
        }
        // The sparkline: the period in buckets of its grain, or of an hour for short periods (never a few hundred minutes).
        var size = Math.Max(query.Grain, InsightsSchema.HourGrain) * 60_000L;
        var first = Floor(query.From.ToUnixTimeMilliseconds(), size);
        var slots = (int)Math.Max(1, (query.To.ToUnixTimeMilliseconds() - first + size - 1) / size);
        var trends = groups.ToDictionary(g => g.Signature, _ => new long[slots], StringComparer.Ordinal);
        using (var trend = connection.CreateCommand())
        {
            var trendWhere = Where(trend, query);
            trend.CommandText = $"SELECT f.signature, f.bucket, f.count FROM insight_failures f WHERE {trendWhere} AND {trend.In("f.signature", "signature", trends.Keys)}";
            using var reader = trend.ExecuteReader();
            while (reader.Read())
            {
                var slot = (int)((reader.GetInt64(1) - first) / size);
                if (slot >= 0 && slot < slots)
                {
                    trends[reader.GetString(0)][slot] += reader.GetInt64(2);
                }
            }
        }
        return new FailureGroupList(groups.Select(g => g with { Trend = trends[g.Signature] }).ToList());
    }

    /// <summary>
    /// One failure group by its signature, whatever the period: what the executions list names when it lists the group's
    /// runs. Its count is every run that failed in it (a run that failed again elsewhere after a resume moved on); null
    /// when no group has this signature, or its workflow is not one the caller sees (the same answer, so that a key
    /// cannot learn that a group exists).
    /// </summary>
    public FailureGroup? Group(string signature, IReadOnlySet<string>? visible)
    {
        CatchUp();
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        var scope = visible is null ? "" : " AND " + command.In("g.workflow_id", "visible", visible);
        command.CommandText = $"""
            SELECT g.signature, (SELECT COUNT(*) FROM run_failures r WHERE r.signature = g.signature), g.workflow_id, g.step_id, g.error_code, g.error_type,
                g.message, g.first_seen, g.last_seen, g.examples
            FROM insight_failure_groups g WHERE g.signature = @signature{scope}
            """;
        command.With("signature", signature);
        using var reader = command.ExecuteReader();
        return reader.Read() ? GroupOf(reader) : null;
    }

    /// <summary>A failure group's row: signature, count, workflow, step, code, type, message, first and last seen, examples.</summary>
    private static FailureGroup GroupOf(DbDataReader reader) => new()
    {
        Signature = reader.GetString(0),
        Count = reader.GetInt64(1),
        WorkflowId = reader.GetString(2),
        StepId = reader.IsDBNull(3) ? null : reader.GetString(3),
        ErrorCode = reader.IsDBNull(4) ? null : reader.GetString(4),
        ErrorType = reader.IsDBNull(5) ? null : reader.GetString(5),
        Message = reader.GetString(6),
        FirstSeen = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
        LastSeen = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
        ExampleRunIds = JsonSerializer.Deserialize<List<string>>(reader.GetString(9)) ?? [],
    };

    /// <summary>
    /// The workflow's steps in the order asked (<see cref="HealthOrders.Steps"/>), the first <paramref name="limit"/> of them:
    /// an agent whose tool calls are steps of their own has thousands, and the overview drew all 20,000 of one such
    /// workflow's (4.6 MB, 18 s to show, half a gigabyte more in the dashboard).
    /// </summary>
    public StepHealthList Steps(InsightsQuery query, string? sort = null, bool descending = true, int limit = int.MaxValue)
    {
        CatchUp();
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        var where = Where(command, query, steps: true);
        command.CommandText = $"""
            SELECT step_id, max(step_name), {Sums("attempts", "retries", "failed", "prompt_tokens", "cached_tokens", "completion_tokens", "cost_reports")}, {CostSum}
            FROM insight_steps f WHERE {where} GROUP BY step_id
            """;
        var rows = new List<StepHealth>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var attempts = reader.GetInt64(2);
                var failed = reader.GetInt64(4);
                rows.Add(new StepHealth
                {
                    StepId = reader.GetString(0),
                    StepName = reader.IsDBNull(1) ? null : reader.GetString(1),
                    Attempts = attempts,
                    Retries = reader.GetInt64(3),
                    Failed = failed,
                    FailureRate = attempts == 0 ? null : (double)failed / attempts,
                    CostUsd = reader.GetInt64(8) > 0 ? UsdAt(reader, 9) : null,
                    Tokens = new TokenTotals(reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7)),
                });
            }
        }
        var durations = Durations(connection, query, "step_id", ofSteps: true);
        var steps = HealthOrders.Steps.Sort(rows.Select(step =>
        {
            var bins = durations.GetValueOrDefault(step.StepId) ?? [];
            return step with { P50DurationMs = DurationHistogram.Percentile(bins, 50), P95DurationMs = DurationHistogram.Percentile(bins, 95) };
        }), sort, descending);
        return new StepHealthList(steps.Count > limit ? [.. steps.Take(limit)] : steps)
        {
            TotalSteps = steps.Count,
            CountedFrom = Time(InsightsSchema.BucketOf(query.From, query.StepGrain)),
            CountedTo = Time(BucketEnd(query.To, query.StepGrain)),
        };
    }

    /// <summary>The end of the last bucket a read of grain <paramref name="grain"/> up to <paramref name="to"/> sums.</summary>
    private static long BucketEnd(DateTimeOffset to, int grain)
    {
        var start = InsightsSchema.BucketOf(to, grain);
        return start == to.ToUnixTimeMilliseconds() ? start : start + grain * 60_000L;
    }

    /// <summary>Per model, over the period's runs (of one workflow or all): calls, failures, cost, tokens; the costliest first.</summary>
    public ModelUsageList Models(InsightsQuery query)
    {
        CatchUp();
        using var connection = database.OpenRead();
        using var command = connection.CreateCommand();
        var where = Where(command, query);
        command.CommandText = $"""
            SELECT model, {Sums("calls", "failed", "cost_reports", "prompt_tokens", "cached_tokens", "completion_tokens")}, COUNT(DISTINCT workflow_id), {CostSum}
            FROM insight_models f WHERE {where} GROUP BY model
            """;
        var models = new List<ModelUsage>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            models.Add(new ModelUsage
            {
                Model = reader.GetString(0),
                Calls = reader.GetInt64(1),
                Failed = reader.GetInt64(2),
                PricedCalls = reader.GetInt64(3),
                CostUsd = reader.GetInt64(3) > 0 ? UsdAt(reader, 8) : null,
                Tokens = new TokenTotals(reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6)),
                Workflows = Convert.ToInt32(reader.GetValue(7), System.Globalization.CultureInfo.InvariantCulture),
            });
        }
        return new ModelUsageList(models.OrderByDescending(m => m.CostUsd ?? 0).ThenByDescending(m => m.Calls).ThenBy(m => m.Model, StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// The workflows, trigger types and models the visible runs have had: a row per workflow, trigger type and model,
    /// whatever the number of runs. The workflows are those <paramref name="search"/> finds (all by default).
    /// </summary>
    public RunFacets Facets(IReadOnlySet<string>? visible, WorkflowFacetSearch? search = null)
    {
        CatchUp();
        search ??= new WorkflowFacetSearch(null, null);
        using var connection = database.OpenRead();
        using (var command = connection.CreateCommand())
        {
            // Matched here rather than in SQL: the same case folding on both stores (SQLite's lower() and LIKE fold
            // ASCII only), and a row per workflow is read in milliseconds even at tens of thousands.
            command.CommandText = $"SELECT workflow_id, workflow_name FROM insight_workflows {VisibleOnly(command, visible)} ORDER BY coalesce(workflow_name, workflow_id), workflow_id";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                search.Offer(new WorkflowFacet(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
            }
        }
        var triggers = DistinctOf(connection, "trigger_type", "insight_triggers", visible);
        var models = DistinctOf(connection, "model", "insight_workflow_models", visible);
        return new RunFacets(search.Found(), triggers) { Models = models, TotalWorkflows = search.Total };
    }

    /// <summary>The values of a column of a table kept per workflow (<paramref name="table"/>), of the visible workflows, in order.</summary>
    private static List<string> DistinctOf(DbConnection connection, string column, string table, IReadOnlySet<string>? visible)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT DISTINCT {column} FROM {table} {VisibleOnly(command, visible)} ORDER BY {column}";
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }
        return values;
    }

    private sealed record RunSums(long Runs, long Running, long Waiting, long Completed, long Failed, long Cancelled, long Timeout, long Prompt, long Cached, long Completion,
        long CostReports, decimal Cost)
    {
        public static readonly RunSums Empty = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

        public long Finished => Completed + Failed + Cancelled + Timeout;

        /// <summary>(failed + timeout) over finished runs; null when none finished.</summary>
        public double? FailureRate => Finished == 0 ? null : (double)(Failed + Timeout) / Finished;

        /// <summary>Null when no run reported a cost: a workflow without priced steps has no cost, not a cost of $0.00.</summary>
        public decimal? CostUsd => CostReports > 0 ? Cost : null;

        public IReadOnlyDictionary<string, long> ByStatus() => new Dictionary<string, long>(StringComparer.Ordinal)
        {
            [Statuses[0]] = Running,
            [Statuses[1]] = Waiting,
            [Statuses[2]] = Completed,
            [Statuses[3]] = Failed,
            [Statuses[4]] = Cancelled,
            [Statuses[5]] = Timeout,
        };
    }

    /// <summary>Sums of the run rows, per <paramref name="groupBy"/> (a column or expression; null: one total under "").</summary>
    private static Dictionary<string, RunSums> RunTotals(DbConnection connection, InsightsQuery query, string? groupBy)
    {
        using var command = connection.CreateCommand();
        var where = Where(command, query);
        // One total is grouped by the grain, which the period fixes: PostgreSQL refuses GROUP BY a constant, and without
        // GROUP BY an empty period would give one row of NULL sums instead of none.
        command.CommandText = $"""
            SELECT {groupBy ?? "''"}, {Sums("runs", "running", "waiting", "completed", "failed", "cancelled", "timeout", "prompt_tokens", "cached_tokens", "completion_tokens", "cost_reports")}, {CostSum}
            FROM insight_runs f WHERE {where} GROUP BY {groupBy ?? "f.grain"}
            """;
        var result = new Dictionary<string, RunSums>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result[Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!] = new RunSums(
                reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6),
                reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9), reader.GetInt64(10), reader.GetInt64(11), UsdAt(reader, 12));
        }
        return result;
    }

    /// <summary>Duration histograms merged per <paramref name="groupBy"/>, of the runs or of the steps.</summary>
    private static Dictionary<string, Dictionary<int, long>> Durations(DbConnection connection, InsightsQuery query, string? groupBy, bool ofSteps = false)
    {
        using var command = connection.CreateCommand();
        var where = Where(command, query, steps: ofSteps);
        var key = groupBy ?? "''";
        command.CommandText = $"SELECT {key}, durations FROM {(ofSteps ? "insight_steps" : "insight_runs")} f WHERE {where} AND durations IS NOT NULL";
        var result = new Dictionary<string, Dictionary<int, long>>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var group = Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!;
            if (!result.TryGetValue(group, out var bins))
            {
                result[group] = bins = [];
            }
            DurationHistogram.Merge(bins, (byte[])reader.GetValue(1));
        }
        return result;
    }

    /// <summary>The period's rows of the right grain, of the asked workflow, among the visible ones (table alias <c>f</c>).</summary>
    private static string Where(DbCommand command, InsightsQuery query, bool steps = false)
    {
        var grain = steps ? query.StepGrain : query.Grain;
        var clauses = new List<string> { "f.grain = @grain", "f.bucket >= @from", "f.bucket < @to" };
        command.With("grain", grain);
        command.With("from", InsightsSchema.BucketOf(query.From, grain));
        command.With("to", query.To.ToUnixTimeMilliseconds());
        if (query.WorkflowId is not null)
        {
            clauses.Add("f.workflow_id = @workflow");
            command.With("workflow", query.WorkflowId);
        }
        if (query.Visible is not null)
        {
            clauses.Add(command.In("f.workflow_id", "visible", query.Visible));
        }
        return string.Join(" AND ", clauses);
    }

    private static string VisibleOnly(DbCommand command, IReadOnlySet<string>? visible) =>
        visible is null ? "" : "WHERE " + command.In("workflow_id", "visible", visible);

    /// <summary>Sums as 64-bit integers: PostgreSQL sums bigints as numeric, SQLite as integers.</summary>
    private static string Sums(params string[] columns) => string.Join(", ", columns.Select(c => $"CAST(SUM({c}) AS BIGINT)"));

    /// <summary>
    /// The rows' cost in two sums, whole micro-dollars and the pico-dollars left over, read back by <see cref="UsdAt"/>: each
    /// row holds up to 9.2 million dollars in pico-dollars, and one sum of them over a fleet's month passed that (SQLite's
    /// integer overflow, PostgreSQL's bigint out of range: a 500 for the overview). The two hold trillions, still exact.
    /// </summary>
    private const string CostSum = "CAST(SUM(cost_pico / 1000000) AS BIGINT), CAST(SUM(cost_pico % 1000000) AS BIGINT)";

    /// <summary>The cost of <see cref="CostSum"/>'s two columns from <paramref name="ordinal"/>, in dollars.</summary>
    private static decimal UsdAt(DbDataReader reader, int ordinal) =>
        (reader.GetInt64(ordinal) * 1_000_000m + reader.GetInt64(ordinal + 1)) / InsightsSchema.PicoPerUsd;

    private static long Floor(long ms, long size) => ms - (((ms % size) + size) % size);

    private static DateTimeOffset? Time(long? ms) => ms is { } value ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;
}
