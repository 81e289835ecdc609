using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Dashboard.Model;

/// <summary>
/// A payload the pages keep for as long as they show it (a step's input or output, a run's input or result): its JSON
/// as one UTF-8 array. Made from the element the client read, whose document is then left to the collector.
/// </summary>
public sealed class JsonPayload
{
    internal static readonly JsonSerializerOptions IndentedOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        MaxDepth = 256,
    };

    private JsonPayload(byte[] utf8) => Root = new RawJson(utf8);

    public RawJson Root { get; }

    public JsonValueKind Kind => Root.Kind;

    public static JsonPayload Of(JsonElement element) => new(JsonMarshal.GetRawUtf8Value(element).ToArray());

    public static JsonPayload? Of(JsonElement? element) => element is { } value ? Of(value) : null;

    /// <summary>Checks the text is one JSON value and keeps exactly that value.</summary>
    public static JsonPayload Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Of(document.RootElement);
    }

    /// <summary>The value indented, with non-ASCII text as written (for reading, copying, downloading, comparing).</summary>
    public string Indented() => Indented(Root);

    public static string Indented(RawJson value)
    {
        using var document = value.Parse();
        return JsonSerializer.Serialize(document.RootElement, IndentedOptions);
    }
}
