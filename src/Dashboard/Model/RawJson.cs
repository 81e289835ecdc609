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
        var members = new List<(int Start, int End)>();
        Members(Utf8.Span, members);
        var properties = new List<KeyValuePair<string, RawJson>>(members.Count);
        foreach (var (start, end) in members)
        {
            // A member is "name": value; the name is read as a JSON string (escapes and all), the value is not read.
            var span = Utf8.Span;
            var nameEnd = ClosingQuote(span, start) + 1;
            var name = new RawJson(Utf8[start..nameEnd]).GetString();
            var valueStart = NextNonSpace(span, NextNonSpace(span, nameEnd) + 1);
            properties.Add(new(name, new RawJson(Utf8[valueStart..end])));
        }
        return properties;
    }

    /// <summary>How many children an object or array has, without making them.</summary>
    public int CountChildren() => Members(Utf8.Span, null);

    /// <summary>Where each item of an array starts: one pass over it, 4 bytes an item, so item N is found without a walk.</summary>
    public int[] ItemStarts()
    {
        var members = new List<(int Start, int End)>();
        Members(Utf8.Span, members);
        var starts = new int[members.Count];
        for (var i = 0; i < starts.Length; i++)
        {
            starts[i] = members[i].Start;
        }
        return starts;
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

    /// <summary>
    /// The members of an object or items of an array: where each starts and ends (no space around). The text is valid
    /// JSON already (it was parsed before it was kept), so this only follows strings and brackets: several times faster
    /// than a validating reader skipping the same megabytes, which is what opening a big payload's rows costs.
    /// </summary>
    private static int Members(ReadOnlySpan<byte> utf8, List<(int Start, int End)>? members)
    {
        var count = 0;
        var depth = 0;
        var start = -1;
        for (var i = 0; i < utf8.Length; i++)
        {
            switch (utf8[i])
            {
                case (byte)'"':
                    i = ClosingQuote(utf8, i);
                    break;
                case (byte)'{' or (byte)'[':
                    if (++depth == 1)
                    {
                        start = NextNonSpace(utf8, i + 1);
                        if (utf8[start] is (byte)'}' or (byte)']')
                        {
                            return 0;
                        }
                    }
                    break;
                case (byte)'}' or (byte)']':
                    if (--depth == 0)
                    {
                        members?.Add((start, LastNonSpace(utf8, i - 1) + 1));
                        return count + 1;
                    }
                    break;
                case (byte)',' when depth == 1:
                    members?.Add((start, LastNonSpace(utf8, i - 1) + 1));
                    count++;
                    start = NextNonSpace(utf8, i + 1);
                    break;
            }
        }
        return count;
    }

    private static int ClosingQuote(ReadOnlySpan<byte> utf8, int open)
    {
        var i = open + 1;
        while (true)
        {
            i += utf8[i..].IndexOfAny((byte)'"', (byte)'\\');
            if (utf8[i] == (byte)'"')
            {
                return i;
            }
            i += 2;
        }
    }

    private static int NextNonSpace(ReadOnlySpan<byte> utf8, int i)
    {
        while (utf8[i] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            i++;
        }
        return i;
    }

    private static int LastNonSpace(ReadOnlySpan<byte> utf8, int i)
    {
        while (utf8[i] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            i--;
        }
        return i;
    }

    internal static Utf8JsonReader Reader(ReadOnlySpan<byte> utf8) => new(utf8, ReaderOptions);
}
