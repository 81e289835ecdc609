using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Runs.Otlp.Wire;

namespace Dashboard.Runs.Otlp;

/// <summary>OTLP's attribute values and times as the run events carry them (spans and log records alike).</summary>
internal static class OtlpValues
{
    /// <summary>Nanoseconds since the epoch, to the millisecond the run events carry.</summary>
    public static DateTimeOffset Time(ulong unixNanos) => DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Min(unixNanos / 1_000_000, 253402300799999));

    // Text meant to be read: a message shows "<b>" and "café", not "\u003Cb\u003E" and "caf\u00E9". Safe because every
    // screen renders a run's strings as inert text, and the API's JSON escapes what it must on the way out.
    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A structured value written out as JSON text for a person to read (a log line's message).</summary>
    public static string Text(JsonNode value) => value.ToJsonString(Readable);

    public static Dictionary<string, JsonNode?> ToDictionary(IEnumerable<KeyValue>? attributes)
    {
        var result = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var attribute in attributes ?? [])
        {
            result[attribute.Key] = Value(attribute.Value);
        }
        return result;
    }

    public static JsonNode? Value(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => JsonValue.Create(value.StringValue),
        AnyValue.ValueOneofCase.BoolValue => JsonValue.Create(value.BoolValue),
        AnyValue.ValueOneofCase.IntValue => JsonValue.Create(value.IntValue),
        // JSON has no NaN or infinity: those are kept as their text.
        AnyValue.ValueOneofCase.DoubleValue => double.IsFinite(value.DoubleValue) ? JsonValue.Create(value.DoubleValue) : JsonValue.Create(value.DoubleValue.ToString(CultureInfo.InvariantCulture)),
        AnyValue.ValueOneofCase.ArrayValue => new JsonArray(value.ArrayValue.Values.Select(Value).ToArray()),
        AnyValue.ValueOneofCase.KvlistValue => new JsonObject(value.KvlistValue.Values.Select(kv => KeyValuePair.Create(kv.Key, Value(kv.Value)))),
        AnyValue.ValueOneofCase.BytesValue => JsonValue.Create(Convert.ToBase64String(value.BytesValue.Span)),
        _ => null,
    };

    /// <summary>An attribute as a payload (input, output): text that is JSON is read as the JSON it holds.</summary>
    public static JsonElement Payload(JsonNode value)
    {
        if (value is JsonValue v && v.TryGetValue<string>(out var text) && text.TrimStart() is [('{' or '['), ..])
        {
            try
            {
                return JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
                // Not JSON after all: kept as text.
            }
        }
        return JsonSerializer.SerializeToElement(value);
    }

    /// <summary>An id in lower-case hex, or null when it is missing, the wrong length or all zeroes (OTLP: invalid).</summary>
    public static string? Id(Google.Protobuf.ByteString bytes, int length) =>
        bytes.Length == length && bytes.Span.ContainsAnyExcept((byte)0) ? Convert.ToHexStringLower(bytes.Span) : null;
}
