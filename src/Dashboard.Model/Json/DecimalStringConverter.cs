using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dashboard.Model.Json;

/// <summary>
/// Money on the wire is a decimal string ("0.001234", as the seeds send it) so that no reader rounds it through a double.
/// A bare JSON number is accepted on input; an exponent or a thousands separator is not.
/// </summary>
public sealed class DecimalStringConverter : JsonConverter<decimal?>
{
    private const NumberStyles Style = NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign;

    public override bool HandleNull => false;

    public override decimal? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                var text = reader.GetString();
                if (decimal.TryParse(text, Style, CultureInfo.InvariantCulture, out var parsed))
                {
                    return parsed;
                }
                throw new JsonException($"'{Truncate(text)}' is not a decimal string such as \"0.001234\".");
            case JsonTokenType.Number:
                if (reader.TryGetDecimal(out var number))
                {
                    return number;
                }
                throw new JsonException("The number is out of the decimal range.");
            default:
                throw new JsonException("Expected a decimal string such as \"0.001234\".");
        }
    }

    public override void Write(Utf8JsonWriter writer, decimal? value, JsonSerializerOptions options)
    {
        if (value is { } v)
        {
            writer.WriteStringValue(v.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    private static string? Truncate(string? text) => text is { Length: > 40 } ? text[..40] + "…" : text;
}
