using System.Globalization;
using System.Text.RegularExpressions;

namespace Dashboard.Streams.Core;

/// <summary>
/// A position in a stream, in bytes of stored data from its start (JSON streams count each message's stored bytes).
/// On the wire it is <c>0000000000000000_{position:D16}</c>: fixed width, so offsets sort lexicographically, and free of
/// the characters the protocol forbids. The first half is reserved and always zero here.
/// </summary>
public readonly partial record struct StreamOffset(long Position) : IComparable<StreamOffset>
{
    public const string Beginning = "-1";
    public const string Now = "now";

    public static readonly StreamOffset Zero = new(0);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"0000000000000000_{Position:D16}");

    public int CompareTo(StreamOffset other) => Position.CompareTo(other.Position);

    /// <summary>
    /// Parses the wire form. A well-formed offset whose reserved half is not zero parses to a position past any
    /// stream's end (<see cref="long.MaxValue"/>), so callers answer "beyond the tail" rather than "malformed".
    /// </summary>
    public static bool TryParse(string? text, out StreamOffset offset)
    {
        offset = default;
        if (text is null || !WireForm().IsMatch(text))
        {
            return false;
        }
        var high = long.Parse(text.AsSpan(0, 16), CultureInfo.InvariantCulture);
        var low = long.Parse(text.AsSpan(17, 16), CultureInfo.InvariantCulture);
        offset = new StreamOffset(high == 0 ? low : long.MaxValue);
        return true;
    }

    public static bool operator <(StreamOffset a, StreamOffset b) => a.Position < b.Position;
    public static bool operator >(StreamOffset a, StreamOffset b) => a.Position > b.Position;
    public static bool operator <=(StreamOffset a, StreamOffset b) => a.Position <= b.Position;
    public static bool operator >=(StreamOffset a, StreamOffset b) => a.Position >= b.Position;

    [GeneratedRegex(@"^\d{16}_\d{16}$", RegexOptions.CultureInvariant)]
    private static partial Regex WireForm();
}
