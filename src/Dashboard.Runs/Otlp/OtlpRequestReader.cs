using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// An OTLP/HTTP export (traces or logs) as sent: protobuf or JSON (<c>Content-Type</c>), gzip or not (<c>Content-Encoding</c>).
/// JSON follows OTLP's mapping of the protobuf messages, in which trace and span ids are hex, not base64: they are turned
/// into base64 before the protobuf JSON parser reads the rest.
/// </summary>
internal static class OtlpRequestReader
{
    public enum Format
    {
        Protobuf,
        Json,
    }

    public static Format? FormatOf(string? contentType) => contentType?.Split(';')[0].Trim().ToLowerInvariant() switch
    {
        "application/x-protobuf" or "application/protobuf" => Format.Protobuf,
        "application/json" => Format.Json,
        _ => null,
    };

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>The request, or what is wrong with it. <paramref name="maxBytes"/> bounds the body as sent and as unzipped.</summary>
    public static async Task<(T? Request, string? Error, bool TooLarge)> ReadAsync<T>(HttpRequest http, Format format, long maxBytes, string what, CancellationToken cancellationToken)
        where T : class, IMessage<T>, new()
    {
        Stream body = http.Body;
        var encoding = http.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        if (encoding == "gzip")
        {
            body = new GZipStream(body, CompressionMode.Decompress);
        }
        else if (encoding is not ("" or "identity"))
        {
            return (null, $"Content-Encoding {encoding} is not supported: send gzip or nothing.", false);
        }
        var buffer = new MemoryStream();
        try
        {
            var chunk = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return (null, null, true);
                }
                buffer.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException)
        {
            return (null, "The body is not valid gzip.", false);
        }
        try
        {
            return format == Format.Protobuf
                ? (new MessageParser<T>(() => new T()).ParseFrom(buffer.GetBuffer(), 0, (int)buffer.Length), null, false)
                : (Parser.Parse<T>(HexIdsToBase64(buffer.ToArray())), null, false);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidJsonException or JsonException or FormatException)
        {
            return (null, $"The body is not an OTLP {what} export in {(format == Format.Protobuf ? "protobuf" : "JSON")}: {ex.Message}", false);
        }
    }

    private static readonly HashSet<string> IdFields = new(StringComparer.Ordinal) { "traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id" };

    // OTLP/JSON writes ids as hex; the protobuf JSON mapping reads bytes as base64.
    private static string HexIdsToBase64(byte[] json)
    {
        var root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 128 }) ?? throw new FormatException("empty body");
        Rewrite(root);
        return root.ToJsonString();
    }

    private static void Rewrite(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (IdFields.Contains(key) && value is JsonValue v && v.TryGetValue<string>(out var hex))
                    {
                        obj[key] = hex.Length == 0 ? "" : Convert.ToBase64String(Convert.FromHexString(hex));
                    }
                    else if (value is not null)
                    {
                        Rewrite(value);
                    }
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    if (item is not null)
                    {
                        Rewrite(item);
                    }
                }
                break;
        }
    }
}
