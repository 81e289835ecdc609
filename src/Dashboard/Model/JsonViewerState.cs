namespace Dashboard.Model;

/// <summary>
/// A visible line of the JSON tree: a node, or a "show more" line for a long container. <see cref="Hidden"/> counts the
/// items that line stands for; <see cref="WithoutMatch"/> marks a gap a search skipped between two matches. "Show more"
/// extends a container's first page, so only the line right after that page offers it.
/// </summary>
public sealed record JsonViewerRow(JsonTreeNode? Node, int Depth, string? MoreOf = null, int Hidden = 0, bool WithoutMatch = false)
{
    public bool CanShowMore { get; init; } = true;
}

/// <summary>
/// What the JSON viewer shows: which nodes are open, what the search matched, how many children of a long container are
/// listed. The tree is flattened into <see cref="Rows"/> (only open nodes' children), which the page virtualises.
/// </summary>
public sealed class JsonViewerState
{
    public const int PageSize = 200;
    private readonly HashSet<string> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _shown = new(StringComparer.Ordinal);
    private HashSet<string> _matches = new(StringComparer.Ordinal);

    /// <summary>For each array holding matches: the indexes of its items on the way to one, in order.</summary>
    private Dictionary<string, SortedSet<int>> _matchedItems = new(StringComparer.Ordinal);
    private IReadOnlyList<JsonViewerRow>? _rows;
    private readonly JsonPayload _payload;

    public JsonViewerState(JsonPayload payload)
    {
        _payload = payload;
        Root = new JsonTreeNode(payload.Root);
        ExpandToDepth(1);
    }

    public JsonTreeNode Root { get; }

    public int MatchCount => _matches.Count;

    public bool MoreMatches { get; private set; }

    public bool IsOpen(string path) => _open.Contains(path);

    public bool IsMatch(string path) => _matches.Contains(path);

    public IReadOnlyList<JsonViewerRow> Rows => _rows ??= Flatten();

    /// <summary>The row of the first match, to scroll to (the list renders only rows near its scroll position); -1 if none.</summary>
    public int FirstMatchRow
    {
        get
        {
            var rows = Rows;
            for (var i = 0; i < rows.Count; i++)
            {
                if (rows[i].Node is { } node && _matches.Contains(node.Path))
                {
                    return i;
                }
            }
            return -1;
        }
    }

    public void Toggle(string path)
    {
        if (!_open.Remove(path))
        {
            _open.Add(path);
        }
        _rows = null;
    }

    /// <summary>Opens the containers above <paramref name="depth"/> (1: the root only, 0: nothing) and closes the rest.</summary>
    public void ExpandToDepth(int depth)
    {
        _open.Clear();
        Open(Root, depth);
        _rows = null;
    }

    public void ShowMore(string path)
    {
        _shown[path] = _shown.GetValueOrDefault(path, PageSize) + PageSize;
        _rows = null;
    }

    /// <summary>Marks matches and opens their ancestors; an empty text clears the search.</summary>
    public void Search(string? text)
    {
        var result = JsonSearch.Find(_payload.Root, text ?? "");
        _matches = result.Paths.ToHashSet(StringComparer.Ordinal);
        MoreMatches = result.More;
        foreach (var path in JsonSearch.Ancestors(result.Paths))
        {
            _open.Add(path);
        }
        // A match deep in a long array must not hide behind "show more", nor drag the thousands of items before it into
        // the list: the array lists its first page, then only the items leading to matches, with the gaps folded.
        _matchedItems = new Dictionary<string, SortedSet<int>>(StringComparer.Ordinal);
        foreach (var path in result.Paths)
        {
            for (var open = path.IndexOf('['); open > 0; open = path.IndexOf('[', open + 1))
            {
                var close = path.IndexOf(']', open);
                if (close > open && int.TryParse(path.AsSpan(open + 1, close - open - 1), out var index))
                {
                    var parent = path[..open];
                    if (!_matchedItems.TryGetValue(parent, out var items))
                    {
                        _matchedItems[parent] = items = [];
                    }
                    items.Add(index);
                }
            }
        }
        _rows = null;
    }

    private void Open(JsonTreeNode node, int depth)
    {
        if (!node.IsContainer || node.Depth >= depth)
        {
            return;
        }
        _open.Add(node.Path);
        foreach (var child in node.Children.Take(PageSize))
        {
            Open(child, depth);
        }
    }

    private List<JsonViewerRow> Flatten()
    {
        var rows = new List<JsonViewerRow>();
        Add(Root, rows);
        return rows;
    }

    private void Add(JsonTreeNode node, List<JsonViewerRow> rows)
    {
        rows.Add(new JsonViewerRow(node, node.Depth));
        if (!node.IsContainer || !_open.Contains(node.Path))
        {
            return;
        }
        var children = node.Children;
        var limit = Math.Min(children.Count, _shown.GetValueOrDefault(node.Path, PageSize));
        for (var i = 0; i < limit; i++)
        {
            Add(children[i], rows);
        }
        var next = limit;
        if (limit < children.Count && _matchedItems.TryGetValue(node.Path, out var matched))
        {
            foreach (var index in matched.GetViewBetween(limit, children.Count - 1))
            {
                if (index > next)
                {
                    rows.Add(new JsonViewerRow(null, node.Depth + 1, node.Path, index - next, WithoutMatch: true) { CanShowMore = next == limit });
                }
                Add(children[index], rows);
                next = index + 1;
            }
        }
        if (children.Count > next)
        {
            rows.Add(new JsonViewerRow(null, node.Depth + 1, node.Path, children.Count - next, WithoutMatch: next > limit) { CanShowMore = next == limit });
        }
    }
}
