using Dashboard.Model;
using Dashboard.Model.Insights;

namespace Dashboard.Web.Tests;

public sealed class OverviewLogicTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Filter_RoundTripsThroughTheUrl_AndFallsBackOnNonsense()
    {
        var custom = OverviewFilter.FromUrl(null, "2026-11-01T00:00:00Z", "2026-11-02T06:00:00Z", " wf-a ");
        var again = OverviewFilter.FromUrl(custom.ToUrl()["range"] as string, custom.ToUrl()["from"] as string, custom.ToUrl()["to"] as string, custom.ToUrl()["workflow"] as string);

        Assert.Equal(custom, again);
        Assert.Equal(new InsightsRange(new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), new(2026, 11, 2, 6, 0, 0, TimeSpan.Zero), "wf-a"), custom.ToRange(Now));
        Assert.Equal(OverviewFilter.DefaultRange, OverviewFilter.FromUrl("3y", null, null, null).Range);
        Assert.Equal(OverviewFilter.DefaultRange, OverviewFilter.FromUrl(null, "2026-11-02T00:00:00Z", "2026-11-01T00:00:00Z", null).Range);
        Assert.Equal(TimeSpan.FromMinutes(15), OverviewFilter.FromUrl("15m", null, null, null).ToRange(Now) is var r ? r.To - r.From : default);
        Assert.Null(new OverviewFilter().ToUrl()["range"]);
    }

    [Fact]
    public void EveryOverviewPeriod_IsAPeriodOfTheList_OfTheSameLength() =>
        Assert.All(OverviewFilter.Ranges, period => Assert.Contains(ExecutionsFilter.Ranges, listed => listed.Key == period.Key && listed.Span == period.Span));

    [Theory]
    [InlineData("15m")]
    [InlineData("1h")]
    [InlineData("24h")]
    [InlineData("7d")]
    [InlineData("30d")]
    [InlineData("custom")]
    public void EachPeriod_CarriedByALinkToTheList_AsksTheListForTheSameSpan(string range)
    {
        var filter = range == OverviewFilter.CustomRange
            ? OverviewFilter.FromUrl(null, "2026-11-01T00:00:00Z", "2026-11-02T06:30:00Z", null)
            : OverviewFilter.FromUrl(range, null, null, null);

        var link = new Uri(new Uri("http://dashboard"), DashboardUrls.Executions(failure: "f", period: filter.ToListPeriod()));
        var query = System.Web.HttpUtility.ParseQueryString(link.Query);
        var list = ExecutionsFilter.FromUrl(null, null, null, null, null, null, query["range"], null, null, null, query["from"], query["to"], failure: query["failure"]);
        var asked = list.ToQuery(Now);

        // The list keeps the period's name (a relative period is still relative when the link is followed later).
        Assert.Equal(range, list.Range);
        var counted = filter.ToRange(Now);
        Assert.Equal(counted.From, asked.From);
        Assert.Equal(range == OverviewFilter.CustomRange ? counted.To : null, asked.To);
        Assert.Equal("f", asked.FailureSignature);
    }

    [Fact]
    public void StepsCountedNote_SaysWhichWholeHoursOrDaysTheStepsCover_WhereTheyAreMoreThanThePeriod()
    {
        var view = new OverviewView
        {
            Summary = new InsightsSummary { From = Now, To = Now, ByStatus = new Dictionary<string, long>(), DurationMs = new(null, null, null), Tokens = new(0, 0, 0) },
            Series = new InsightsTimeseries("minute", []),
            Failures = [],
            Workflows = [],
        };
        var utc = new TimeDisplay();
        string? Note(DateTimeOffset countedFrom, DateTimeOffset countedTo, InsightsRange range) =>
            (view with { StepsCounted = (countedFrom, countedTo) }).StepsCountedNote(range, Now, utc);
        var quarter = InsightsRange.Last(TimeSpan.FromMinutes(15), Now.AddMinutes(10));

        // The last 15 minutes (11:55 to 12:10), counted from 11:00: the hours before it; nothing after now is there to count.
        Assert.Equal("counted in whole hours, from Nov 30, 11:00 UTC", Note(Now.AddHours(-1), Now.AddHours(1), quarter with { To = Now }));
        // A past period ending mid-hour counts to the end of that hour.
        Assert.Equal("counted in whole hours, Nov 30, 09:00 UTC to Nov 30, 11:00 UTC",
            Note(Now.AddHours(-3), Now.AddHours(-1), new InsightsRange(Now.AddMinutes(-150), Now.AddMinutes(-90))));
        Assert.Equal("counted in whole days, from Nov 1, 00:00 UTC",
            Note(new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), InsightsRange.Last(TimeSpan.FromDays(29.25), Now)));
        // Whole hours asked for: nothing to say; no step table: nothing either.
        Assert.Null(Note(Now.AddHours(-2), Now, InsightsRange.Last(TimeSpan.FromHours(2), Now)));
        Assert.Null(view.StepsCountedNote(quarter, Now, utc));
    }

    [Theory]
    [InlineData(15, "minute")]
    [InlineData(60 * 24, "hour")]
    [InlineData(60 * 24 * 30, "day")]
    public void ChartBuckets_StayAFewDozen(int minutes, string bucket) =>
        Assert.Equal(bucket, OverviewFilter.BucketFor(InsightsRange.Last(TimeSpan.FromMinutes(minutes), Now)));

    [Theory]
    [InlineData("12.4", "$12.40")]
    [InlineData("1234.5", "$1,234.50")]
    [InlineData("0.10113156", "$0.1011")]
    [InlineData("0.000945", "$0.000945")]
    [InlineData("0.04352256", "$0.04352")]
    [InlineData("0", "$0.00")]
    public void Money_RoundsSumsToWhatAPersonReads(string usd, string expected) =>
        Assert.Equal(expected, DisplayFormat.Money(decimal.Parse(usd, System.Globalization.CultureInfo.InvariantCulture)));

    [Theory]
    [InlineData(10, 5, "+100%")]
    [InlineData(5, 10, "−50%")]
    [InlineData(3, 0, "new")]
    [InlineData(0, 0, null)]
    [InlineData(7, 7, "no change")]
    public void Delta_AgainstThePeriodBefore(int now, int before, string? expected) =>
        Assert.Equal(expected, OverviewView.Delta(now, before));

    [Fact]
    public void StatusSeries_KeepsOnlyStatusesThatOccur_InAFixedOrder()
    {
        var view = new OverviewView
        {
            Summary = new InsightsSummary { From = Now, To = Now, ByStatus = new Dictionary<string, long>(), DurationMs = new(null, null, null), Tokens = new(0, 0, 0) },
            Series = new InsightsTimeseries("hour",
            [
                new InsightsBucket { Start = Now, ByStatus = new Dictionary<string, long> { ["failed"] = 2, ["completed"] = 1 }, FailureRate = 2 / 3.0, P95DurationMs = 1500 },
                new InsightsBucket { Start = Now.AddHours(1), ByStatus = new Dictionary<string, long> { ["completed"] = 4 } },
            ]),
            Failures = [],
            Workflows = [],
        };

        Assert.Equal(["completed", "failed"], view.StatusSeries().Select(s => s.Status));
        Assert.Equal([1.0, 4.0], view.StatusSeries()[0].Counts);
        Assert.Equal([66.7, 0.0], view.FailureRatePercent());
        Assert.Equal("seconds", view.P95Series().Unit);
        Assert.Equal([1.5, 0.0], view.P95Series().Values);
    }

    [Theory]
    [InlineData(240, "ms", 240.0)]
    [InlineData(999, "ms", 999.0)]
    [InlineData(1_500, "seconds", 1.5)]
    [InlineData(599_000, "seconds", 599.0)]
    [InlineData(900_000, "minutes", 15.0)]
    public void P95Series_IsInTheUnitThatSuitsTheLongest(long longestMs, string unit, double value)
    {
        var view = new OverviewView
        {
            Summary = new InsightsSummary { From = Now, To = Now, ByStatus = new Dictionary<string, long>(), DurationMs = new(null, null, null), Tokens = new(0, 0, 0) },
            Series = new InsightsTimeseries("hour",
            [
                new InsightsBucket { Start = Now, ByStatus = new Dictionary<string, long>(), P95DurationMs = longestMs },
                new InsightsBucket { Start = Now.AddHours(1), ByStatus = new Dictionary<string, long>() },
            ]),
            Failures = [],
            Workflows = [],
        };

        var (actualUnit, values) = view.P95Series();

        Assert.Equal(unit, actualUnit);
        Assert.Equal([value, 0.0], values);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(3, 1)]
    [InlineData(8.77, 2)]
    [InlineData(13, 5)]
    [InlineData(30, 10)]
    [InlineData(66.7, 20)]
    [InlineData(100, 20)]
    [InlineData(240, 50)]
    [InlineData(1_800, 500)]
    public void TickSpacing_GivesTheAxisTwoToFiveSteps(double highest, int expected)
    {
        var spacing = OverviewView.TickSpacing(highest);

        Assert.Equal(expected, spacing);
        Assert.InRange(Math.Ceiling(highest / spacing), highest > 4 ? 2 : 0, 5);
    }
}
