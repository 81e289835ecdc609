using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Dashboard.Model.Reducing;

/// <summary>
/// What a run's state remembers of an event id to find resends by: a 128-bit hash, not the string. A running run of
/// 100,000 steps remembers 200,000 ids, and as strings in a set they were about a seventh of its state. Two different
/// ids of one run share a hash with a chance near 2^-128 per pair, far below any other way an event is lost.
/// </summary>
/// <remarks>Two <c>ulong</c>s rather than a <see cref="UInt128"/>: aligned to 8 bytes, a set's entry is 24 bytes, not 32.</remarks>
internal readonly struct EventIdHash(ulong high, ulong low) : IEquatable<EventIdHash>
{
    // Chosen per process: the hashes are never stored, and an engine cannot aim ids at one set's buckets.
    private static readonly long Seed = Random.Shared.NextInt64();

    private readonly ulong _high = high;
    private readonly ulong _low = low;

    public static EventIdHash Of(string eventId)
    {
        var hash = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(eventId.AsSpan()), Seed);
        return new EventIdHash((ulong)(hash >> 64), (ulong)hash);
    }

    public bool Equals(EventIdHash other) => _high == other._high && _low == other._low;

    public override bool Equals(object? obj) => obj is EventIdHash other && Equals(other);

    public override int GetHashCode() => (int)_low;
}
