using System.Buffers.Binary;

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

    /// <summary>Bytes per bin in the stored form: the bin (2 bytes) and its count (4 bytes), little-endian, by bin.</summary>
    private const int EntrySize = 6;

    /// <summary>
    /// The stored form of a bucket's histogram with one more duration in <paramref name="bin"/>: the bins a bucket has,
    /// in order, so that a read of a period merges one small value per bucket.
    /// </summary>
    public static byte[] Add(ReadOnlySpan<byte> stored, int bin, int count = 1)
    {
        var entries = stored.Length / EntrySize;
        for (var i = 0; i < entries; i++)
        {
            var at = stored[(i * EntrySize)..];
            var existing = BinaryPrimitives.ReadUInt16LittleEndian(at);
            if (existing == bin)
            {
                var copy = stored.ToArray();
                BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(i * EntrySize + 2), BinaryPrimitives.ReadUInt32LittleEndian(at[2..]) + (uint)count);
                return copy;
            }
            if (existing > bin)
            {
                return Insert(stored, i, bin, count);
            }
        }
        return Insert(stored, entries, bin, count);
    }

    private static byte[] Insert(ReadOnlySpan<byte> stored, int index, int bin, int count)
    {
        var result = new byte[stored.Length + EntrySize];
        stored[..(index * EntrySize)].CopyTo(result);
        BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(index * EntrySize), (ushort)Math.Clamp(bin, 0, ushort.MaxValue));
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(index * EntrySize + 2), (uint)count);
        stored[(index * EntrySize)..].CopyTo(result.AsSpan((index + 1) * EntrySize));
        return result;
    }

    /// <summary>The stored form of durations (in any order).</summary>
    public static byte[] Of(IEnumerable<long> durationsMs) =>
        durationsMs.Select(BinOf).Order().Aggregate(Array.Empty<byte>(), (stored, bin) => Add(stored, bin));

    /// <summary>Two stored histograms as one (either may be empty).</summary>
    public static byte[] Merge(ReadOnlySpan<byte> stored, ReadOnlySpan<byte> addition)
    {
        if (addition.IsEmpty)
        {
            return stored.ToArray();
        }
        var result = stored.ToArray();
        for (var i = 0; i + EntrySize <= addition.Length; i += EntrySize)
        {
            result = Add(result, BinaryPrimitives.ReadUInt16LittleEndian(addition[i..]), (int)BinaryPrimitives.ReadUInt32LittleEndian(addition[(i + 2)..]));
        }
        return result;
    }

    /// <summary>Adds a stored histogram's counts to <paramref name="counts"/>.</summary>
    public static void Merge(Dictionary<int, long> counts, ReadOnlySpan<byte> stored)
    {
        for (var i = 0; i + EntrySize <= stored.Length; i += EntrySize)
        {
            var bin = BinaryPrimitives.ReadUInt16LittleEndian(stored[i..]);
            counts[bin] = counts.GetValueOrDefault(bin) + BinaryPrimitives.ReadUInt32LittleEndian(stored[(i + 2)..]);
        }
    }

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
