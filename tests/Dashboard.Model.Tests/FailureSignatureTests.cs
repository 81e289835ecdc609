using Dashboard.Model.Insights;

namespace Dashboard.Model.Tests;

public sealed class FailureSignatureTests
{
    [Theory]
    [InlineData("Card 4242 declined for order 'A-17'", "Card 1881 declined for order 'B-9'")]
    [InlineData("timeout after 30000 ms calling 10.0.3.7:443", "timeout after 5 ms calling 192.168.1.20:8080")]
    [InlineData("request 3f2a9c1e-1b2c-4d5e-8f90-123456789abc failed", "request 0D9E8F7A-AAAA-4BBB-8CCC-DDDDEEEEFFFF failed")]
    [InlineData("object deadbeef42 missing (hash 0x1f2e)", "object 00ff00ff11 missing (hash 0xABCDEF)")]
    [InlineData("lock held since 2026-11-30T10:00:00Z by \"worker-1\"", "lock held since 2026-12-01 08:15:02.123+02:00 by \"worker-77\"")]
    [InlineData("customer cus_8f3k2 not found", "customer cus_19ab7 not found")]
    public void MessagesDifferingOnlyInWhatVariesPerRun_NormaliseAlike(string one, string other) =>
        Assert.Equal(FailureSignature.Normalize(one), FailureSignature.Normalize(other));

    [Theory]
    [InlineData("Card declined", "Card expired")]
    [InlineData("quota exceeded for project", "quota exceeded for user")]
    public void DifferentWords_StayApart(string one, string other) =>
        Assert.NotEqual(FailureSignature.Normalize(one), FailureSignature.Normalize(other));

    [Fact]
    public void TheSignature_SeparatesWorkflowsStepsAndCodes()
    {
        var message = FailureSignature.Normalize("Card 4242 declined");
        var signature = FailureSignature.Of("wf", "charge", "E_CARD", message);

        Assert.Equal(signature, FailureSignature.Of("wf", "charge", "E_CARD", FailureSignature.Normalize("Card 1111 declined")));
        Assert.NotEqual(signature, FailureSignature.Of("wf", "refund", "E_CARD", message));
        Assert.NotEqual(signature, FailureSignature.Of("wf", "charge", "E_FRAUD", message));
        Assert.NotEqual(signature, FailureSignature.Of("wf-2", "charge", "E_CARD", message));
    }

    [Fact]
    public void Percentiles_FromStoredHistograms_AreWithinOnePercentOfNearestRank()
    {
        var durations = new long[] { 12, 250, 980, 1_000, 4_321, 60_000, 3_600_000, 980 };
        // Two buckets' stored histograms, each built one duration at a time as ingest does, merged as a read does.
        var first = durations.Take(5).Aggregate(Array.Empty<byte>(), (stored, d) => DurationHistogram.Add(stored, DurationHistogram.BinOf(d)));
        var second = durations.Skip(5).Aggregate(Array.Empty<byte>(), (stored, d) => DurationHistogram.Add(stored, DurationHistogram.BinOf(d)));
        var bins = new Dictionary<int, long>();
        DurationHistogram.Merge(bins, first);
        DurationHistogram.Merge(bins, second);

        Assert.Equal(durations.Length, bins.Values.Sum());
        Assert.Equal(2, bins[DurationHistogram.BinOf(980)]);

        foreach (var p in (double[])[50, 95, 99])
        {
            var exact = durations.Order().ElementAt((int)Math.Ceiling(p / 100 * durations.Length) - 1);
            var read = DurationHistogram.Percentile(bins, p)!.Value;
            Assert.InRange(read, exact * 0.99, exact * 1.01);
        }
        Assert.Null(DurationHistogram.Percentile(new Dictionary<int, long>(), 50));
        Assert.Equal(0, DurationHistogram.ValueOf(DurationHistogram.BinOf(0)));
    }
}
