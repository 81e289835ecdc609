using System.Text.Json;

namespace Dashboard.Model;

/// <summary>Finds keys and values containing a text in a JSON document, without building the viewer's tree.</summary>
public static class JsonSearch
{
    public sealed record Result(IReadOnlyList<string> Paths, bool More);

    /// <summary>Paths of matching nodes (case-insensitive), at most <paramref name="max"/>.</summary>
    public static Result Find(JsonElement root, string text, int max = 500)
    {
        var paths = new List<string>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return new Result(paths, false);
        }
        var more = Walk(root, "$", null, text.Trim(), paths, max);
        return new Result(paths, more);
    }

    /// <summary>Every ancestor path of the matches: what must be open for them to show.</summary>
    public static HashSet<string> Ancestors(IEnumerable<string> paths)
    {
        var open = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            for (var i = 1; i < path.Length; i++)
            {
                if (path[i] is '.' or '[')
                {
                    open.Add(path[..i]);
                }
            }
        }
        return open;
    }

    private static bool Walk(JsonElement element, string path, string? name, string text, List<string> paths, int max)
    {
        if (name is not null && name.Contains(text, StringComparison.OrdinalIgnoreCase))
        {
            paths.Add(path);
        }
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (paths.Count >= max)
                    {
                        return true;
                    }
                    if (Walk(property.Value, $"{path}.{property.Name}", property.Name, text, paths, max))
                    {
                        return true;
                    }
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (paths.Count >= max)
                    {
                        return true;
                    }
                    if (Walk(item, $"{path}[{index++}]", null, text, paths, max))
                    {
                        return true;
                    }
                }
                break;
            default:
                var value = element.ValueKind == JsonValueKind.String ? element.GetString() : element.GetRawText();
                if (value is not null && value.Contains(text, StringComparison.OrdinalIgnoreCase) && (paths.Count == 0 || paths[^1] != path))
                {
                    paths.Add(path);
                }
                break;
        }
        return paths.Count >= max;
    }
}
