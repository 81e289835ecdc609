namespace Dashboard.Model.Runs;

/// <summary>
/// A position in a run's (or the feed's) Durable Stream, as the service hands it out. Opaque to readers, but the
/// protocol makes offsets of one stream sort as their text does: every comparison of offsets goes through here.
/// </summary>
public readonly record struct EventOffset(string Value) : IComparable<EventOffset>
{
    public int CompareTo(EventOffset other) => string.CompareOrdinal(Value, other.Value);

    public static bool operator <(EventOffset left, EventOffset right) => left.CompareTo(right) < 0;

    public static bool operator >(EventOffset left, EventOffset right) => left.CompareTo(right) > 0;

    public static bool operator <=(EventOffset left, EventOffset right) => left.CompareTo(right) <= 0;

    public static bool operator >=(EventOffset left, EventOffset right) => left.CompareTo(right) >= 0;

    /// <summary>
    /// Whether an item at <paramref name="offset"/> is new to a reader that has seen up to <paramref name="seen"/>: an
    /// item or a reader without an offset cannot be judged, and counts as new.
    /// </summary>
    public static bool IsNew(string? offset, string? seen) => offset is null || seen is null || new EventOffset(offset) > new EventOffset(seen);

    public override string ToString() => Value;
}
