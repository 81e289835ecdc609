namespace Dashboard.Model;

/// <summary>
/// The column a table is sorted by and which way, for tables whose rows come already ordered by what matters most (the
/// health tables: most failing first). A column's first click sorts it the way that answers its question (the slowest,
/// the costliest first; names A to Z), the second the other way, the third gives the table its own order back. Rows
/// without a value sort last either way: a workflow with no cost is not the cheapest one.
/// </summary>
public sealed class ColumnSort<T>(IReadOnlyDictionary<string, ColumnSort<T>.Key> columns)
{
    /// <summary>A column's value for a row (null: none), and whether its first sort is descending.</summary>
    public sealed record Key(Func<T, IComparable?> Of, bool DescendingFirst = true);

    /// <summary>The columns of a health table, sorting as the service does (<see cref="Insights.HealthOrder{T}"/>).</summary>
    public static ColumnSort<T> Of(Insights.HealthOrder<T> order) =>
        new(order.Names.ToDictionary(column => column, column => new Key(order.KeyOf(column), order.DescendingFirst(column)), StringComparer.Ordinal));

    /// <summary>
    /// What a table holding only the service's first rows says above them: how many of how many, in which order (sorting
    /// the few in the page would pass the first 200 by failures off as, say, the costliest).
    /// </summary>
    public string FirstOf(int shown, long total, string rows, string serviceOrder)
    {
        var order = Column is null ? serviceOrder : $"by {Column}, {(Descending ? "highest" : "lowest")} first";
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The first {shown:N0} of {total:N0} {rows}, {order} (sorted by the service over them all).");
    }

    /// <summary>Null: the rows' own order.</summary>
    public string? Column { get; private set; }

    public bool Descending { get; private set; }

    public void Toggle(string column)
    {
        var first = columns[column].DescendingFirst;
        if (Column != column)
        {
            (Column, Descending) = (column, first);
        }
        else if (Descending == first)
        {
            Descending = !first;
        }
        else
        {
            Column = null;
        }
    }

    public IReadOnlyList<T> Apply(IReadOnlyList<T> rows)
    {
        if (Column is null)
        {
            return rows;
        }
        var key = columns[Column].Of;
        var valued = rows.Where(r => key(r) is not null);
        var sorted = Descending ? valued.OrderByDescending(key) : valued.OrderBy(key);
        return [.. sorted, .. rows.Where(r => key(r) is null)];
    }

    /// <summary>The header's <c>aria-sort</c>.</summary>
    public string AriaSort(string column) => Column != column ? "none" : Descending ? "descending" : "ascending";
}
