using Dashboard.Model;

namespace Dashboard.Web.Tests;

public sealed class DisplayFormatTests
{
    [Theory]
    [InlineData(null, "—")]
    [InlineData(0L, "0 ms")]
    [InlineData(999L, "999 ms")]
    [InlineData(1500L, "1.5 s")]
    [InlineData(61_000L, "1m 01s")]
    [InlineData(3_720_000L, "1h 02m")]
    [InlineData(8_999_940_000L, "2,499h 59m")]
    // An engine's garbage: past what a TimeSpan holds, which took the run page down.
    [InlineData(long.MaxValue, "2,562,047,788,015h 12m")]
    public void Duration_ReadsNaturally(long? ms, string expected) => Assert.Equal(expected, DisplayFormat.Duration(ms));

    [Fact]
    public void Cost_IsExactWithAtLeastTwoDecimals()
    {
        Assert.Equal("$0.000001234", DisplayFormat.Cost(0.000001234m));
        Assert.Equal("$12.50", DisplayFormat.Cost(12.5m));
        Assert.Equal("$0.00", DisplayFormat.Cost(0m));
        Assert.Equal("—", DisplayFormat.Cost(null));
    }

    [Fact]
    public void Relative_AndUtc()
    {
        var now = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal("30s ago", DisplayFormat.Relative(now.AddSeconds(-30), now));
        Assert.Equal("5m ago", DisplayFormat.Relative(now.AddMinutes(-5), now));
        Assert.Equal("2d ago", DisplayFormat.Relative(now.AddDays(-2), now));
        Assert.Equal("2026-11-23 11:00:00.000 UTC", DisplayFormat.Utc(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.FromHours(1))));
    }

    [Fact]
    public void AttemptsShown_CountsALoopAsOneStep_AndSaysItsIterations()
    {
        Dashboard.Model.Runs.StepTrace Attempt(string step, int attempt = 1, int? loop = null) => new() { StepId = step, Attempt = attempt, LoopIndex = loop };
        var loop = Enumerable.Range(0, 12).Select(i => Attempt("sync-table", loop: i)).Append(Attempt("sync-table", 2, loop: 3)).ToList();

        Assert.Equal("13 attempts of 1 step (12 loop iterations) shown", DisplayFormat.AttemptsShown(loop));
        Assert.Equal("3 attempts of 2 steps shown", DisplayFormat.AttemptsShown([Attempt("a"), Attempt("a", 2), Attempt("b")]));
        Assert.Equal("0 attempts of 0 steps shown", DisplayFormat.AttemptsShown([]));
    }
}
