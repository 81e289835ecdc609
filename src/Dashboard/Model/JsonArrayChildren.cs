using System.Collections;

namespace Dashboard.Model;

/// <summary>
/// The items of a JSON array as tree nodes, each made when first asked for and kept. Where each item starts is read in
/// one pass when the array is first opened (4 bytes an item), so any item is found without walking to it.
/// </summary>
internal sealed class JsonArrayChildren(RawJson array, string parentPath, int depth) : IReadOnlyList<JsonTreeNode>
{
    private readonly Dictionary<int, JsonTreeNode> _made = [];
    private readonly int[] _starts = array.ItemStarts();

    public int Count => _starts.Length;

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
                node = new JsonTreeNode(array.ItemAt(_starts[index]), $"[{index}]", $"{parentPath}[{index}]", depth);
                _made[index] = node;
            }
            return node;
        }
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
