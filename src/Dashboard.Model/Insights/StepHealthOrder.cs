namespace Dashboard.Model.Insights;

/// <summary>
/// The orders a workflow's step health can be read in: the service's own (most failures first, then the slowest p95,
/// then by id) or by one column, each column's first way answering its question (the slowest, the costliest first;
/// names A to Z). Rows without a value come last either way: a step with no cost is not the cheapest one. The service
/// sorts with it before it keeps the first <c>limit</c> steps, so that an agent's thousands of tool-call steps are read
/// a page at a time in any order, and the dashboard's table sorts the same way when it holds every step.
/// </summary>
public static class StepHealthOrder
{
    private static readonly Dictionary<string, (Func<StepHealth, IComparable?> Of, bool DescendingFirst)> Columns = new(StringComparer.Ordinal)
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
    };

    public static IReadOnlyCollection<string> Names => Columns.Keys;

    public static bool IsColumn(string column) => Columns.ContainsKey(column);

    /// <summary>A column's value for a step (null: none).</summary>
    public static Func<StepHealth, IComparable?> KeyOf(string column) => Columns[column].Of;

    /// <summary>Which way a column sorts first: descending for every figure, ascending for the name.</summary>
    public static bool DescendingFirst(string column) => Columns[column].DescendingFirst;

    /// <summary>The service's order: most failures first, then the slowest p95, then by id.</summary>
    public static IEnumerable<StepHealth> Default(IEnumerable<StepHealth> steps) =>
        steps.OrderByDescending(s => s.Failed).ThenByDescending(s => s.P95DurationMs ?? 0).ThenBy(s => s.StepId, StringComparer.Ordinal);

    /// <summary><paramref name="steps"/> by <paramref name="column"/> (null: <see cref="Default"/>), rows without a value last; ties by id.</summary>
    public static IReadOnlyList<StepHealth> Sort(IEnumerable<StepHealth> steps, string? column, bool descending)
    {
        if (column is null)
        {
            return [.. Default(steps)];
        }
        var key = Columns[column].Of;
        var list = steps as IReadOnlyList<StepHealth> ?? [.. steps];
        var valued = list.Where(s => key(s) is not null);
        var sorted = descending ? valued.OrderByDescending(key) : valued.OrderBy(key);
        return [.. sorted.ThenBy(s => s.StepId, StringComparer.Ordinal), .. list.Where(s => key(s) is null).OrderBy(s => s.StepId, StringComparer.Ordinal)];
    }
}
