namespace Dashboard.Benchmarks;

internal static class Percentiles
{
    /// <summary>The nearest-rank percentile of an ascending list (NaN when empty).</summary>
    public static double Of(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
