using System.Text;

namespace Dashboard.Runs.Storage;

/// <summary>
/// A text value already encoded as UTF-8: the JSON of a projection row, serialised straight to bytes and bound to
/// SQLite's statement as TEXT as it is. As a string it was transcoded twice per column (to UTF-16 when serialised, back
/// to UTF-8 when bound), for every attempt of every batch. Npgsql takes the bytes too, as text (<see cref="StatementCache"/>
/// says so); where Microsoft.Data.Sqlite's own binding is used, it is handed over as a string.
/// </summary>
internal sealed class Utf8Text(ReadOnlyMemory<byte> bytes)
{
    public ReadOnlyMemory<byte> Bytes { get; } = bytes;

    public override string ToString() => Encoding.UTF8.GetString(Bytes.Span);

    /// <summary>The bytes as an array of their own length: the array they are when they fill one, else a copy.</summary>
    public byte[] ToArray() =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(Bytes, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : Bytes.ToArray();
}
