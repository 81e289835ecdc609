using System.Buffers;
using System.Text.Json;

namespace Dashboard.Runs.Storage;

/// <summary>
/// Each item of a list as its own JSON, serialised in one call. A call per item made System.Text.Json allocate its
/// writer's stack afresh each time (about half a kilobyte for any item with a nested object) and each item was copied out
/// to an array of its own: for every event and every stored attempt of every batch. Here the list is written once as a
/// JSON array and each item is a slice of it, found by looking for the array's own commas (<see cref="ItemsOf"/>).
/// </summary>
internal static class SerializedEach
{
    private static readonly SearchValues<byte> Structure = SearchValues.Create("\"[]{},"u8);
    private static readonly SearchValues<byte> InString = SearchValues.Create("\"\\"u8);

    public static List<ReadOnlyMemory<byte>> Of<T>(IReadOnlyList<T> items, JsonSerializerOptions options)
    {
        if (items.Count == 0)
        {
            return [];
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(items, options);
        var slices = (options.WriteIndented ? null : ItemsOf(json, items.Count)) ?? ItemsByReader(json, options.MaxDepth);
        if (slices.Count != items.Count)
        {
            throw new InvalidOperationException($"{items.Count} items were serialised as {slices.Count} JSON values.");
        }
        return slices;
    }

    /// <summary>
    /// The items of a JSON array the serialiser just wrote, found by counting brackets outside strings. It does not read the
    /// values. Reading them back with a <see cref="Utf8JsonReader"/> read every token of every payload a second time: for
    /// payloads of many small values, that read cost more than writing them, which copies each payload as it came
    /// (<see cref="Model.Json.RawJsonElementConverter"/>). Null when the text is not as expected; the reader then decides.
    /// </summary>
    internal static List<ReadOnlyMemory<byte>>? ItemsOf(byte[] json, int expected)
    {
        var text = json.AsSpan();
        if (text.Length < 2 || text[0] != (byte)'[')
        {
            return null;
        }
        var slices = new List<ReadOnlyMemory<byte>>(expected);
        var depth = 1;
        var itemStart = 1;
        var at = 1;
        while (true)
        {
            var next = text[at..].IndexOfAny(Structure);
            if (next < 0)
            {
                return null;
            }
            at += next;
            switch (text[at])
            {
                case (byte)'"':
                    // To the closing quote: past each escape (a backslash and the byte after it) on the way.
                    at++;
                    while (true)
                    {
                        var end = text[at..].IndexOfAny(InString);
                        if (end < 0)
                        {
                            return null;
                        }
                        at += end;
                        if (text[at] == (byte)'"')
                        {
                            break;
                        }
                        at += 2;
                        if (at >= text.Length)
                        {
                            return null;
                        }
                    }
                    break;
                case (byte)'[' or (byte)'{':
                    depth++;
                    break;
                case (byte)']' or (byte)'}':
                    depth--;
                    if (depth == 0)
                    {
                        // The array's own end: the last item before it (none in an empty array).
                        if (at > itemStart)
                        {
                            slices.Add(json.AsMemory(itemStart, at - itemStart));
                        }
                        return at == text.Length - 1 ? slices : null;
                    }
                    break;
                case (byte)',':
                    if (depth == 1)
                    {
                        slices.Add(json.AsMemory(itemStart, at - itemStart));
                        itemStart = at + 1;
                    }
                    break;
            }
            at++;
        }
    }

    internal static List<ReadOnlyMemory<byte>> ItemsByReader(byte[] json, int maxDepth)
    {
        var slices = new List<ReadOnlyMemory<byte>>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        reader.Read();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            slices.Add(json.AsMemory(start, (int)reader.BytesConsumed - start));
        }
        return slices;
    }
}
