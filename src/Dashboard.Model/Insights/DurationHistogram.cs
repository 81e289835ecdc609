namespace Dashboard.Model.Insights;

/// <summary>
/// Durations kept as counts per logarithmic bin (each 2% wider than the last), so that percentiles over any period are
/// read from a few summed counts instead of every run. A percentile read back is within 1% of the exact one.
/// </summary>
public static class DurationHistogram
{
    private static readonly double LogBase = Math.Log(1.02);

    /// <summary>Bin 0 holds 0 ms; bin b ≥ 1 holds [1.02^(b-1), 1.02^b) ms.</summary>
    public static int BinOf(long durationMs) => durationMs <= 0 ? 0 : 1 + (int)Math.Floor(Math.Log(durationMs) / LogBase);

    /// <summary>The value a bin stands for: the geometric middle of its range, in whole milliseconds.</summary>
    public static long ValueOf(int bin) => bin <= 0 ? 0 : (long)Math.Round(Math.Exp((bin - 0.5) * LogBase));

    /// <summary>The nearest-rank percentile (0 &lt; p ≤ 100) of the durations counted in <paramref name="counts"/>.</summary>
    public static long? Percentile(IReadOnlyDictionary<int, long> counts, double p)
    {
        var total = counts.Values.Sum();
        if (total == 0)
        {
            return null;
        }
        var rank = (long)Math.Ceiling(p / 100.0 * total);
        long seen = 0;
        foreach (var (bin, count) in counts.OrderBy(pair => pair.Key))
        {
            seen += count;
            if (seen >= Math.Max(1, rank))
            {
                return ValueOf(bin);
            }
        }
        return ValueOf(counts.Keys.Max());
    }
}
