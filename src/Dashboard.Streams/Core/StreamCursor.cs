namespace Dashboard.Streams.Core;

/// <summary>
/// Live-mode cursors: the number of 20-second intervals since 2024-10-09T00:00Z. A client that echoes a cursor at or past
/// the current interval gets one strictly greater (with jitter), so CDN cache keys never cycle.
/// </summary>
public sealed class StreamCursor(TimeProvider time)
{
    private static readonly DateTimeOffset Epoch = new(2024, 10, 9, 0, 0, 0, TimeSpan.Zero);
    private const int IntervalSeconds = 20;

    public string Next(string? clientCursor)
    {
        var current = (long)((time.GetUtcNow() - Epoch).TotalSeconds / IntervalSeconds);
        if (long.TryParse(clientCursor, out var client) && client >= current)
        {
            var jitterIntervals = Math.Max(1, Random.Shared.Next(1, 3601) / IntervalSeconds);
            current = client + jitterIntervals;
        }
        return current.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
