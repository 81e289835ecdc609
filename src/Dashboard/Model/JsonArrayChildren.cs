using System.Collections;
using System.Text.Json;

namespace Dashboard.Model;

/// <summary>
/// The items of a JSON array as tree nodes, each made when first asked for and kept. The viewer asks in increasing
/// order (a page of items, then those leading to search matches), so one walk along the array serves a whole render.
/// </summary>
internal sealed class JsonArrayChildren(JsonElement array, string parentPath, int depth) : IReadOnlyList<JsonTreeNode>
{
    private readonly Dictionary<int, JsonTreeNode> _made = [];
    private JsonElement.ArrayEnumerator _cursor;
    private int _cursorIndex = -1;

    public int Count { get; } = array.GetArrayLength();

    /// <summary>How many item nodes exist so far (what the viewer costs in memory).</summary>
    public int MadeCount => _made.Count;

    public JsonTreeNode this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            if (!_made.TryGetValue(index, out var node))
            {
                node = new JsonTreeNode(ElementAt(index), $"[{index}]", $"{parentPath}[{index}]", depth);
                _made[index] = node;
            }
            return node;
        }
    }

    private JsonElement ElementAt(int index)
    {
        if (_cursorIndex < 0 || index < _cursorIndex)
        {
            _cursor = array.EnumerateArray();
            _cursorIndex = -1;
        }
        while (_cursorIndex < index)
        {
            _cursor.MoveNext();
            _cursorIndex++;
        }
        return _cursor.Current;
    }

    public IEnumerator<JsonTreeNode> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
