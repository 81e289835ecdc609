using System.Text.Json;

namespace Dashboard.Runs.Storage;

/// <summary>
/// Each item of a list as its own JSON, serialised in one call. A call per item made System.Text.Json allocate its
/// writer's stack afresh each time (about half a kilobyte for any item with a nested object) and each item was copied out
/// to an array of its own: for every event and every stored attempt of every batch. Here the list is written once as a
/// JSON array and each item is a slice of it, found by reading the array's elements back.
/// </summary>
internal static class SerializedEach
{
    public static List<ReadOnlyMemory<byte>> Of<T>(IReadOnlyList<T> items, JsonSerializerOptions options)
    {
        var slices = new List<ReadOnlyMemory<byte>>(items.Count);
        if (items.Count == 0)
        {
            return slices;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(items, options);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = options.MaxDepth });
        reader.Read();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            slices.Add(json.AsMemory(start, (int)reader.BytesConsumed - start));
        }
        if (slices.Count != items.Count)
        {
            throw new InvalidOperationException($"{items.Count} items were serialised as {slices.Count} JSON values.");
        }
        return slices;
    }
}
