using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;

namespace Dashboard.Model.Json;

/// <summary>
/// Writes a payload (any <see cref="JsonElement"/>) as the JSON text it was read from. The serializer's own way walks the
/// element token by token, unescaping and escaping every string again. Ingestion writes each payload twice, once in the
/// stored event and once in the attempt's row, so that walk cost about a microsecond for a 30-byte payload and about 5 ms
/// for a 1 MB one of many small values. Copying the text costs a tenth of that, or a hundredth for the large one. The
/// text is the same JSON value: only how its strings are escaped may differ (the engine's <c>"\u00e9"</c> or <c>"é"</c> is
/// kept as sent, where the walk wrote <c>"\u00E9"</c> for both).
/// <para>
/// The walk is still taken where its output differs in more than escaping: an element made elsewhere whose text has
/// bytes that are not UTF-8 (a parsed document lets them through, and the walk writes U+FFFD in their place), and indented
/// output, so that a payload is laid out with the rest. Reading refuses a payload that escapes half of a character
/// (<c>"\uD800"</c> alone), which is not text: the walk threw on it when it was stored, and ingestion answered 500 where
/// it now names the field. It refuses bytes that are not UTF-8 as well (JSON text is UTF-8): they were stored as U+FFFD,
/// the engine's data changed without a word, and in a property name they reached code that reads names as strings and
/// threw (a 500).
/// </para>
/// </summary>
public sealed class RawJsonElementConverter : JsonConverter<JsonElement>
{
    /// <summary>What a field whose text has bytes that are not UTF-8 is told, payload or not.</summary>
    public const string NotUtf8 = "holds bytes that are not UTF-8 text (JSON text is UTF-8)";

    public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var element = JsonElement.ParseValue(ref reader);
        var raw = JsonMarshal.GetRawUtf8Value(element);
        if (!Utf8.IsValid(raw))
        {
            throw new JsonException(NotUtf8);
        }
        if (HasLoneSurrogate(raw))
        {
            throw new JsonException("holds half of a character (a UTF-16 surrogate escaped alone, such as \\uD800), which is not text");
        }
        return element;
    }

    public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options)
    {
        if (value.ValueKind == JsonValueKind.Undefined || writer.Options.Indented)
        {
            value.WriteTo(writer);
            return;
        }
        var raw = JsonMarshal.GetRawUtf8Value(value);
        if (!Utf8.IsValid(raw) || HasLoneSurrogate(raw))
        {
            // An element made some other way than by reading (a document parsed elsewhere) is written as it always was.
            value.WriteTo(writer);
            return;
        }
        // The text was checked as JSON when it was parsed into the element.
        writer.WriteRawValue(raw, skipInputValidation: true);
    }

    /// <summary>
    /// Whether the JSON text escapes a surrogate that is not one of a pair: a <c>\uD800</c>–<c>\uDBFF</c> not followed
    /// at once by a <c>\uDC00</c>–<c>\uDFFF</c>, or the second without the first. Escapes are read from each backslash in
    /// turn, so an escaped backslash before a "u" (<c>"C:\\uD800"</c>, text) is not taken for one.
    /// </summary>
    internal static bool HasLoneSurrogate(ReadOnlySpan<byte> raw)
    {
        var at = raw.IndexOf((byte)'\\');
        var lowExpectedAt = -1;
        while (at >= 0 && at + 1 < raw.Length)
        {
            var end = at + 2;
            var unit = -1;
            if (raw[at + 1] == (byte)'u' && at + 6 <= raw.Length
                && int.TryParse(raw.Slice(at + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var parsed))
            {
                unit = parsed;
                end = at + 6;
            }
            if (lowExpectedAt >= 0)
            {
                if (at != lowExpectedAt || unit is not (>= 0xDC00 and <= 0xDFFF))
                {
                    return true;
                }
                lowExpectedAt = -1;
            }
            else if (unit is >= 0xDC00 and <= 0xDFFF)
            {
                return true;
            }
            else if (unit is >= 0xD800 and <= 0xDBFF)
            {
                lowExpectedAt = end;
            }
            var next = raw[end..].IndexOf((byte)'\\');
            at = next < 0 ? -1 : end + next;
        }
        return lowExpectedAt >= 0;
    }
}
