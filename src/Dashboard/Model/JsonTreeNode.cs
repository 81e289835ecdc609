using System.Globalization;
using System.Text.Json;

namespace Dashboard.Model;

/// <summary>
/// A node of a JSON document as the viewer shows it. Children are made only when a node is opened, so a document of
/// megabytes costs only what is on screen.
/// </summary>
public sealed class JsonTreeNode
{
    private readonly JsonElement _element;
    private IReadOnlyList<JsonTreeNode>? _children;

    public JsonTreeNode(JsonElement element, string? name = null, string path = "$", int depth = 0)
    {
        _element = element;
        Name = name;
        Path = path;
        Depth = depth;
    }

    public string? Name { get; }

    /// <summary>A JSONPath-like address: <c>$.lines[3].sku</c>.</summary>
    public string Path { get; }

    public int Depth { get; }

    public JsonValueKind Kind => _element.ValueKind;

    public bool IsContainer => Kind is JsonValueKind.Object or JsonValueKind.Array;

    public int ChildCount => Kind switch
    {
        JsonValueKind.Object => _element.EnumerateObject().Count(),
        JsonValueKind.Array => _element.GetArrayLength(),
        _ => 0,
    };

    /// <summary>
    /// The children. An array's are made one by one as they are asked for: a search that reaches item 57,000 of a long
    /// array must not build a node (and two strings) for each of the items before it.
    /// </summary>
    public IReadOnlyList<JsonTreeNode> Children => _children ??= Kind switch
    {
        JsonValueKind.Object => _element.EnumerateObject().Select(p => new JsonTreeNode(p.Value, p.Name, $"{Path}.{p.Name}", Depth + 1)).ToList(),
        JsonValueKind.Array => new JsonArrayChildren(_element, Path, Depth + 1),
        _ => [],
    };

    /// <summary>The value as text: a string's content (not escaped), a number or literal as written, a summary for containers.</summary>
    public string Display => Kind switch
    {
        JsonValueKind.String => _element.GetString() ?? "",
        JsonValueKind.Object => $"{{ {ChildCount} {(ChildCount == 1 ? "key" : "keys")} }}",
        JsonValueKind.Array => $"[ {ChildCount} {(ChildCount == 1 ? "item" : "items")} ]",
        _ => _element.GetRawText(),
    };

    /// <summary>The JSON text of this node (for copy).</summary>
    public string Json(bool indented = true) =>
        JsonSerializer.Serialize(_element, new JsonSerializerOptions { WriteIndented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    public static string CountText(int count) => count.ToString("#,0", CultureInfo.InvariantCulture);
}
