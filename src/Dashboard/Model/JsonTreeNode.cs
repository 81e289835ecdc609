using System.Globalization;
using System.Text.Json;

namespace Dashboard.Model;

/// <summary>
/// A node of a JSON payload as the viewer shows it, over the payload's text. Children are made only when a node is
/// opened, so a payload of megabytes costs its text and what is on screen.
/// </summary>
public sealed class JsonTreeNode
{
    private readonly RawJson _value;
    private IReadOnlyList<JsonTreeNode>? _children;
    private int _childCount = -1;
    private string? _display;

    public JsonTreeNode(RawJson value, string? name = null, string path = "$", int depth = 0)
    {
        _value = value;
        Name = name;
        Path = path;
        Depth = depth;
    }

    public string? Name { get; }

    /// <summary>A JSONPath-like address: <c>$.lines[3].sku</c>.</summary>
    public string Path { get; }

    public int Depth { get; }

    public JsonValueKind Kind => _value.Kind;

    public bool IsContainer => Kind is JsonValueKind.Object or JsonValueKind.Array;

    public int ChildCount => _childCount >= 0 ? _childCount : _childCount = _children?.Count ?? (IsContainer ? _value.CountChildren() : 0);

    /// <summary>
    /// The children. An array's are made one by one as they are asked for: a search that reaches item 57,000 of a long
    /// array must not build a node (and two strings) for each of the items before it.
    /// </summary>
    public IReadOnlyList<JsonTreeNode> Children => _children ??= Kind switch
    {
        JsonValueKind.Object => _value.Properties().Select(p => new JsonTreeNode(p.Value, p.Key, $"{Path}.{p.Key}", Depth + 1)).ToList(),
        JsonValueKind.Array => new JsonArrayChildren(_value, Path, Depth + 1),
        _ => [],
    };

    /// <summary>The value as text: a string's content (not escaped), a number or literal as written, a summary for containers.</summary>
    public string Display => _display ??= Kind switch
    {
        JsonValueKind.String => _value.GetString(),
        JsonValueKind.Object => $"{{ {ChildCount} {(ChildCount == 1 ? "key" : "keys")} }}",
        JsonValueKind.Array => $"[ {ChildCount} {(ChildCount == 1 ? "item" : "items")} ]",
        _ => _value.Text,
    };

    /// <summary>The JSON text of this node (for copy).</summary>
    public string Json(bool indented = true) => indented ? JsonPayload.Indented(_value) : _value.Text;

    public static string CountText(int count) => count.ToString("#,0", CultureInfo.InvariantCulture);
}
