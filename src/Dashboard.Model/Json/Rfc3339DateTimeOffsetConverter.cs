using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Dashboard.Model.Json;

/// <summary>
/// Reads RFC 3339 timestamps only (an explicit offset is required: a local time without one is ambiguous)
/// and writes them in UTC with a 'Z'.
/// </summary>
public sealed partial class Rfc3339DateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("Expected an RFC 3339 timestamp string.");
        }
        if (!reader.ValueIsEscaped && !reader.HasValueSequence && IsPlainUtc(reader.ValueSpan) && reader.TryGetDateTimeOffset(out var plain))
        {
            return plain;
        }
        var text = reader.GetString()!;
        if (TryParse(text, out var value))
        {
            return value;
        }
        throw new JsonException("Expected an RFC 3339 timestamp with an offset, such as \"2026-11-23T10:15:00.123Z\".");
    }

    /// <summary>
    /// The same text as <see cref="Format"/>: System.Text.Json writes a UTC <see cref="DateTime"/> as ISO 8601 with a
    /// 'Z' and its fraction's trailing zeros cut, straight into the output (no string in between; every attempt
    /// written at ingestion has two or three times).
    /// </summary>
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime);

    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        return text is { Length: <= 64 } && Rfc3339().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    /// <summary>
    /// The form engines send nearly always (<c>2026-11-23T10:15:00.123Z</c>: a capital T, at most 7 fraction digits, Z),
    /// which System.Text.Json's own UTF-8 parser reads to the same value as <see cref="TryParse"/> without a string, a
    /// regular expression and the culture-aware parser: about a fifth of parsing a batch. Any other form goes the long way.
    /// </summary>
    private static bool IsPlainUtc(ReadOnlySpan<byte> text)
    {
        if (text.Length is < 20 or > 28 || text[^1] != (byte)'Z')
        {
            return false;
        }
        // yyyy-MM-ddTHH:mm:ss, then nothing or '.' and 1 to 7 digits, before the Z.
        for (var i = 0; i < 19; i++)
        {
            var expected = i switch { 4 or 7 => (byte)'-', 10 => (byte)'T', 13 or 16 => (byte)':', _ => (byte)0 };
            if (expected == 0 ? !char.IsAsciiDigit((char)text[i]) : text[i] != expected)
            {
                return false;
            }
        }
        if (text.Length == 20)
        {
            return true;
        }
        if (text[19] != (byte)'.' || text.Length < 22)
        {
            return false;
        }
        foreach (var digit in text[20..^1])
        {
            if (!char.IsAsciiDigit((char)digit))
            {
                return false;
            }
        }
        return true;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}
