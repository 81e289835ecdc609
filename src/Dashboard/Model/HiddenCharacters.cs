using System.Buffers;

namespace Dashboard.Model;

/// <summary>
/// Characters in a run's free text (error messages, stacks, log lines, payload strings) that a browser would not show
/// as themselves: bidirectional embeddings, overrides and isolates, which make the text after them display in another
/// order ("refund 1234" showing as "refund 4321"); zero-width characters, which make two keys that look alike differ;
/// and control characters, which show as nothing or a box. A debugging tool shows what was sent, so each is shown as a
/// marker with its code point. Ids and names are refused at ingestion when they hold a reordering control; free text is
/// the engine's to send as it is, so it is stored as sent and only shown this way.
/// </summary>
public static class HiddenCharacters
{
    // Tab, line feed and carriage return are how text is laid out; the zero-width joiner and non-joiner shape emoji
    // sequences and Persian or Indic words, and the left-to-right and right-to-left marks are ordinary in right-to-left
    // text: none of them is marked.
    private static readonly SearchValues<char> Marked = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000B\u000C\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F" +
        "\u0080\u0081\u0082\u0083\u0084\u0085\u0086\u0087\u0088\u0089\u008A\u008B\u008C\u008D\u008E\u008F" +
        "\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009A\u009B\u009C\u009D\u009E\u009F" +
        "\u200B\u2060\uFEFF\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069");

    /// <summary>Whether <paramref name="text"/> holds a character that is shown as a marker (the common case, none, costs one scan).</summary>
    public static bool Any(string? text) => text is not null && text.AsSpan().IndexOfAny(Marked) >= 0;

    /// <summary>
    /// How many markers one text gets as elements of their own. A payload of binary-like text can hold a hidden character
    /// in every other place: past this many, each is written into the text as its label (still shown, still not obeyed),
    /// so that a 200 KB raw view stays one text node, not a hundred thousand elements.
    /// </summary>
    public const int MaxMarkers = 500;

    /// <summary>The text in order as plain runs and markers; one plain part when nothing is marked.</summary>
    public static IReadOnlyList<TextPart> Split(string text)
    {
        var parts = new List<TextPart>();
        var plain = new System.Text.StringBuilder();
        var markers = 0;
        var rest = text.AsSpan();
        while (rest.Length > 0)
        {
            var at = rest.IndexOfAny(Marked);
            if (at < 0)
            {
                break;
            }
            plain.Append(rest[..at]);
            if (markers < MaxMarkers)
            {
                if (plain.Length > 0)
                {
                    parts.Add(new TextPart(plain.ToString(), null));
                    plain.Clear();
                }
                parts.Add(new TextPart(Label(rest[at]), Describe(rest[at])));
                markers++;
            }
            else
            {
                plain.Append('[').Append(Label(rest[at])).Append(']');
            }
            rest = rest[(at + 1)..];
        }
        plain.Append(rest);
        if (plain.Length > 0 || parts.Count == 0)
        {
            parts.Add(new TextPart(plain.ToString(), null));
        }
        return parts;
    }

    /// <summary>What a marker reads: the code point, as a developer would look it up.</summary>
    public static string Label(char c) => $"U+{(int)c:X4}";

    /// <summary>What the character is and does, for the marker's tooltip and for screen readers.</summary>
    public static string Describe(char c) => c switch
    {
        '\u202A' => "U+202A left-to-right embedding: text after it may display in another order",
        '\u202B' => "U+202B right-to-left embedding: text after it may display in another order",
        '\u202C' => "U+202C pop directional formatting",
        '\u202D' => "U+202D left-to-right override: text after it may display in another order",
        '\u202E' => "U+202E right-to-left override: text after it displays reversed",
        '\u2066' => "U+2066 left-to-right isolate: text after it may display in another order",
        '\u2067' => "U+2067 right-to-left isolate: text after it may display in another order",
        '\u2068' => "U+2068 first strong isolate: text after it may display in another order",
        '\u2069' => "U+2069 pop directional isolate",
        '\u200B' => "U+200B zero-width space (invisible)",
        '\u2060' => "U+2060 word joiner (invisible)",
        '\uFEFF' => "U+FEFF zero-width no-break space or byte order mark (invisible)",
        '\u001B' => "U+001B escape (a terminal's colour or cursor code starts with it)",
        '\u0000' => "U+0000 null character",
        _ => $"U+{(int)c:X4} control character",
    };
}

/// <summary>A run of text as it is (<see cref="Marker"/> null), or a marker standing for one hidden character.</summary>
/// <param name="Text">The text, or the marker's label.</param>
/// <param name="Marker">What the hidden character is; null for plain text.</param>
public readonly record struct TextPart(string Text, string? Marker)
{
    public bool IsMarker => Marker is not null;
}
