using System.Text;

namespace Dashboard.Runs.Storage;

/// <summary>
/// A text value already encoded as UTF-8: the JSON of a projection row, serialised straight to bytes and bound to
/// SQLite's statement as TEXT as it is. As a string it was transcoded twice per column (to UTF-16 when serialised, back
/// to UTF-8 when bound), for every attempt of every batch. Where a driver takes only strings (Microsoft.Data.Sqlite's
/// own binding, Npgsql), <see cref="StatementCache"/> hands it over as one.
/// </summary>
internal sealed class Utf8Text(ReadOnlyMemory<byte> bytes)
{
    public ReadOnlyMemory<byte> Bytes { get; } = bytes;

    public override string ToString() => Encoding.UTF8.GetString(Bytes.Span);
}
