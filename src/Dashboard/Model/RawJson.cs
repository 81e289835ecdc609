using System.Text;
using System.Text.Json;

namespace Dashboard.Model;

/// <summary>
/// One JSON value as its UTF-8 text (exactly the value: no space around it), read when asked. The viewer keeps payloads
/// this way instead of as a <see cref="JsonDocument"/>, whose index of 12 bytes a token costs about twice the text for
/// record-shaped data: a 5 MB output held 15 MB as a document and holds 5 MB as text.
/// </summary>
public readonly struct RawJson
{
    /// <summary>Payloads are accepted up to 128 levels deep and read up to 192; a value's own reader starts at its depth 0.</summary>
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 256 };

    public RawJson(ReadOnlyMemory<byte> utf8) => Utf8 = utf8;

    public ReadOnlyMemory<byte> Utf8 { get; }

    public JsonValueKind Kind => Utf8.IsEmpty ? JsonValueKind.Undefined : Utf8.Span[0] switch
    {
        (byte)'{' => JsonValueKind.Object,
        (byte)'[' => JsonValueKind.Array,
        (byte)'"' => JsonValueKind.String,
        (byte)'t' => JsonValueKind.True,
        (byte)'f' => JsonValueKind.False,
        (byte)'n' => JsonValueKind.Null,
        _ => JsonValueKind.Number,
    };

    /// <summary>The JSON text as written (a string with its quotes and escapes).</summary>
    public string Text => Encoding.UTF8.GetString(Utf8.Span);

    /// <summary>A string's content, unescaped.</summary>
    public string GetString()
    {
        var reader = Reader(Utf8.Span);
        reader.Read();
        return reader.GetString() ?? "";
    }

    /// <summary>An object's properties, in order, each value a slice of this one.</summary>
    public List<KeyValuePair<string, RawJson>> Properties()
    {
        var properties = new List<KeyValuePair<string, RawJson>>();
        var reader = Reader(Utf8.Span);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            properties.Add(new(name, new RawJson(Utf8[start..(int)reader.BytesConsumed])));
        }
        return properties;
    }

    /// <summary>How many children an object or array has, without making them.</summary>
    public int CountChildren()
    {
        var count = 0;
        var reader = Reader(Utf8.Span);
        reader.Read();
        while (reader.Read() && reader.TokenType is not (JsonTokenType.EndObject or JsonTokenType.EndArray))
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                reader.Read();
            }
            count++;
            reader.Skip();
        }
        return count;
    }

    /// <summary>Where each item of an array starts: one pass over it, 4 bytes an item, so item N is found without a walk.</summary>
    public int[] ItemStarts()
    {
        var starts = new List<int>();
        var reader = Reader(Utf8.Span);
        reader.Read();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            starts.Add((int)reader.TokenStartIndex);
            reader.Skip();
        }
        return [.. starts];
    }

    /// <summary>The item of an array that starts at <paramref name="start"/> (one of <see cref="ItemStarts"/>).</summary>
    public RawJson ItemAt(int start)
    {
        // The reader stops after the item's own tokens: what follows it (a comma, more items) is never read.
        var reader = Reader(Utf8.Span[start..]);
        reader.Read();
        reader.Skip();
        return new RawJson(Utf8.Slice(start, (int)reader.BytesConsumed));
    }

    /// <summary>The value as a parsed element, for what needs one (indenting, copying a subtree); the caller disposes it.</summary>
    public JsonDocument Parse() => JsonDocument.Parse(Utf8, new JsonDocumentOptions { MaxDepth = 256 });

    internal static Utf8JsonReader Reader(ReadOnlySpan<byte> utf8) => new(utf8, ReaderOptions);
}
