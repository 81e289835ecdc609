using Dashboard.Model;

namespace Dashboard.Web.Tests;

public sealed class ColumnSortTests
{
    private sealed record Row(string Name, long? P95);

    private static readonly Row[] Rows = [new("b", 300), new("c", null), new("a", 900), new("d", 100)];

    private static ColumnSort<Row> NewSort() => new(new Dictionary<string, ColumnSort<Row>.Key>
    {
        ["name"] = new(r => r.Name, DescendingFirst: false),
        ["p95"] = new(r => r.P95),
    });

    [Fact]
    public void ANumberColumn_SortsHighestFirst_ThenLowest_ThenGivesTheRowsTheirOwnOrderBack()
    {
        var sort = NewSort();

        sort.Toggle("p95");
        Assert.Equal(["a", "b", "d", "c"], sort.Apply(Rows).Select(r => r.Name));
        Assert.Equal(("descending", "none"), (sort.AriaSort("p95"), sort.AriaSort("name")));

        sort.Toggle("p95");
        Assert.Equal(["d", "b", "a", "c"], sort.Apply(Rows).Select(r => r.Name));   // without a value: last either way
        Assert.Equal("ascending", sort.AriaSort("p95"));

        sort.Toggle("p95");
        Assert.Equal(["b", "c", "a", "d"], sort.Apply(Rows).Select(r => r.Name));
        Assert.Equal("none", sort.AriaSort("p95"));
    }

    [Fact]
    public void ANameColumn_SortsAToZFirst_AndAnotherColumnStartsOver()
    {
        var sort = NewSort();

        sort.Toggle("name");
        Assert.Equal(["a", "b", "c", "d"], sort.Apply(Rows).Select(r => r.Name));
        sort.Toggle("name");
        Assert.Equal(["d", "c", "b", "a"], sort.Apply(Rows).Select(r => r.Name));

        sort.Toggle("p95");
        Assert.Equal(("p95", true), (sort.Column, sort.Descending));
    }
}
