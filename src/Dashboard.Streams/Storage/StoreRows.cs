using System.Buffers.Binary;
using System.Data.Common;
using Dashboard.Streams.Core;

namespace Dashboard.Streams.Storage;

/// <summary>
/// The rows every store keeps alike (SQLite and PostgreSQL): a stream's record, and its messages as one row per append
/// (a "chunk": the messages' bytes back to back and, when there are several, their lengths as int32 little-endian).
/// </summary>
internal static class StoreRows
{
    /// <summary>The appends among <paramref name="messages"/>, in order: (first index, count) of each.</summary>
    public static IEnumerable<(int First, int Count)> Batches(IReadOnlyList<StoredMessage> messages)
    {
        var start = 0;
        for (var i = 1; i <= messages.Count; i++)
        {
            if (i == messages.Count || messages[i].BatchPosition != messages[start].BatchPosition)
            {
                yield return (start, i - start);
                start = i;
            }
        }
    }

    /// <summary>One append's row: its bytes, and its lengths (null for a single message).</summary>
    public static (byte[] Data, byte[]? Lengths) Pack(IReadOnlyList<StoredMessage> messages, int first, int count)
    {
        var total = 0;
        for (var i = first; i < first + count; i++)
        {
            total += messages[i].Data.Length;
        }
        var data = new byte[total];
        var lengths = new byte[count * 4];
        var at = 0;
        for (var i = 0; i < count; i++)
        {
            var message = messages[first + i];
            message.Data.Span.CopyTo(data.AsSpan(at));
            at += message.Data.Length;
            BinaryPrimitives.WriteInt32LittleEndian(lengths.AsSpan(i * 4), message.Data.Length);
        }
        return (data, count == 1 ? null : lengths);
    }

    /// <summary>
    /// Splits rows of (pos, data, lengths) into messages, skipping those that end at or before <paramref name="from"/>,
    /// within the byte and count budget.
    /// </summary>
    public static List<StoredMessage> Read(DbDataReader reader, long maxBytes, int maxMessages, long from = long.MinValue) =>
        Read(reader, column: 0, onRow: reader.Read(), maxBytes, maxMessages, from);

    /// <summary>
    /// <see cref="Read(DbDataReader, long, int, long)"/> for rows whose (pos, data, lengths) start at
    /// <paramref name="column"/>, the reader already on the first row when <paramref name="onRow"/>; a row whose pos is
    /// null holds no messages (a stream read with its record, which has none to give).
    /// </summary>
    public static List<StoredMessage> Read(DbDataReader reader, int column, bool onRow, long maxBytes, int maxMessages, long from)
    {
        var messages = new List<StoredMessage>();
        long bytes = 0;
        for (var more = onRow; more; more = reader.Read())
        {
            if (reader.IsDBNull(column))
            {
                continue;
            }
            var position = reader.GetInt64(column);
            var data = (byte[])reader.GetValue(column + 1);
            var lengths = reader.IsDBNull(column + 2) ? null : (byte[])reader.GetValue(column + 2);
            var count = lengths is null ? 1 : lengths.Length / 4;
            var at = 0;
            for (var i = 0; i < count; i++)
            {
                var length = lengths is null ? data.Length : BinaryPrimitives.ReadInt32LittleEndian(lengths.AsSpan(i * 4));
                var message = new StoredMessage(position + at, position, data.AsMemory(at, length));
                at += length;
                if (message.End <= from)
                {
                    continue;
                }
                messages.Add(message);
                bytes += length;
                if (bytes >= maxBytes || messages.Count >= maxMessages)
                {
                    return messages;
                }
            }
        }
        return messages;
    }

    /// <summary>
    /// A <c>streams</c> row (columns in the stores' shared order) as a record. Flags are integers in SQLite and booleans
    /// in PostgreSQL.
    /// </summary>
    public static StreamRecord ReadRecord(DbDataReader reader) => new()
    {
        Id = reader.GetInt64(0),
        Path = reader.GetString(1),
        ContentType = reader.GetString(2),
        TtlSeconds = reader.IsDBNull(3) ? null : reader.GetInt64(3),
        ExpiresAt = reader.IsDBNull(4) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
        LastAccessAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
        Tail = reader.GetInt64(7),
        Closed = Flag(reader, 8),
        LastStreamSeq = reader.IsDBNull(9) ? null : reader.GetString(9),
        SoftDeleted = Flag(reader, 10),
        ForkCount = Convert.ToInt32(reader.GetValue(11), System.Globalization.CultureInfo.InvariantCulture),
        ForkSourceId = reader.IsDBNull(12) ? null : reader.GetInt64(12),
        ForkSourcePath = reader.IsDBNull(13) ? null : reader.GetString(13),
        ForkPosition = reader.GetInt64(14),
        ForkSubOffset = reader.IsDBNull(15) ? null : reader.GetInt64(15),
    };

    private static bool Flag(DbDataReader reader, int ordinal) => reader.GetFieldType(ordinal) == typeof(bool) ? reader.GetBoolean(ordinal) : reader.GetInt64(ordinal) != 0;
}
