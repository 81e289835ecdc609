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

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}
