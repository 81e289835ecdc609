namespace Dashboard.Model.Insights;

/// <summary>
/// The orders a health table can be read in: the service's own (most failures first) or by one column, each column's
/// first way answering its question (the slowest, the costliest first; names A to Z). Rows without a value come last
/// either way: a step with no cost is not the cheapest one; ties go by id. The service sorts with it before it keeps the
/// first <c>limit</c> rows, so that an agent's thousands of tool-call steps, or a workflow per tenant, are read a page at
/// a time in any order; the dashboard's tables sort the same way when they hold every row.
/// </summary>
public sealed class HealthOrder<T>(
    IReadOnlyDictionary<string, (Func<T, IComparable?> Of, bool DescendingFirst)> columns,
    Func<IEnumerable<T>, IOrderedEnumerable<T>> serviceOrder,
    Func<T, string> id)
{
    public IReadOnlyCollection<string> Names => [.. columns.Keys];

    public bool IsColumn(string column) => columns.ContainsKey(column);

    /// <summary>A column's value for a row (null: none).</summary>
    public Func<T, IComparable?> KeyOf(string column) => columns[column].Of;

    /// <summary>Which way a column sorts first: descending for every figure, ascending for a name.</summary>
    public bool DescendingFirst(string column) => columns[column].DescendingFirst;

    /// <summary><paramref name="rows"/> by <paramref name="column"/> (null: the service's order), rows without a value last; ties by id.</summary>
    public IReadOnlyList<T> Sort(IEnumerable<T> rows, string? column, bool descending)
    {
        if (column is null)
        {
            return [.. serviceOrder(rows)];
        }
        var key = columns[column].Of;
        var list = rows as IReadOnlyList<T> ?? [.. rows];
        var valued = list.Where(r => key(r) is not null);
        var sorted = descending ? valued.OrderByDescending(key) : valued.OrderBy(key);
        return [.. sorted.ThenBy(id, StringComparer.Ordinal), .. list.Where(r => key(r) is null).OrderBy(id, StringComparer.Ordinal)];
    }
}

/// <summary>The health tables' orders (<see cref="HealthOrder{T}"/>).</summary>
public static class HealthOrders
{
    /// <summary>A workflow's steps: most failures first, then the slowest p95.</summary>
    public static readonly HealthOrder<StepHealth> Steps = new(new Dictionary<string, (Func<StepHealth, IComparable?>, bool)>(StringComparer.Ordinal)
    {
        ["name"] = (s => s.StepName ?? s.StepId, false),
        ["attempts"] = (s => s.Attempts, true),
        ["retries"] = (s => s.Retries, true),
        ["failed"] = (s => s.Failed, true),
        ["rate"] = (s => s.FailureRate, true),
        ["p50"] = (s => s.P50DurationMs, true),
        ["p95"] = (s => s.P95DurationMs, true),
        ["cost"] = (s => s.CostUsd, true),
        ["tokens"] = (s => s.Tokens.Prompt + s.Tokens.Completion, true),
    }, steps => steps.OrderByDescending(s => s.Failed).ThenByDescending(s => s.P95DurationMs ?? 0).ThenBy(s => s.StepId, StringComparer.Ordinal), s => s.StepId);

    /// <summary>Workflows: most failed runs first, then the busiest.</summary>
    public static readonly HealthOrder<WorkflowHealth> Workflows = new(new Dictionary<string, (Func<WorkflowHealth, IComparable?>, bool)>(StringComparer.Ordinal)
    {
        ["name"] = (w => w.WorkflowName ?? w.WorkflowId, false),
        ["runs"] = (w => w.Runs, true),
        ["failed"] = (w => w.Failed, true),
        ["rate"] = (w => w.FailureRate, true),
        ["p50"] = (w => w.P50DurationMs, true),
        ["p95"] = (w => w.P95DurationMs, true),
        ["cost"] = (w => w.CostUsd, true),
        ["last-run"] = (w => w.LastRunAt, true),
        ["last-failure"] = (w => w.LastFailureAt, true),
    }, workflows => workflows.OrderByDescending(w => w.Failed).ThenByDescending(w => w.Runs).ThenBy(w => w.WorkflowId, StringComparer.Ordinal), w => w.WorkflowId);
}
