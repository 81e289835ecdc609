using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Dashboard.Model;

/// <summary>Finds keys and values containing a text in a JSON payload: one pass of a reader over its text, no tree.</summary>
public static class JsonSearch
{
    public sealed record Result(IReadOnlyList<string> Paths, bool More);

    /// <summary>Paths of matching nodes (case-insensitive), at most <paramref name="max"/>.</summary>
    public static Result Find(RawJson root, string text, int max = 500)
    {
        var paths = new List<string>();
        if (string.IsNullOrWhiteSpace(text) || root.Utf8.IsEmpty)
        {
            return new Result(paths, false);
        }
        var more = Walk(root.Utf8.Span, text.Trim(), paths, max);
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

    /// <summary>
    /// A container being read: its path, and for an array the index of its next item. Paths of values are made only
    /// for matches and containers, so a pass over 60,000 records makes a string per record, not per field.
    /// </summary>
    private sealed class Frame(string path, bool isArray)
    {
        public string Path { get; } = path;
        public bool IsArray { get; } = isArray;
        public int NextIndex { get; set; }
        public string? Property { get; set; }

        public string PathOfNext() => IsArray ? $"{Path}[{NextIndex++}]" : $"{Path}.{Property}";
    }

    /// <summary>True when it stopped at <paramref name="max"/> matches.</summary>
    private static bool Walk(ReadOnlySpan<byte> utf8, string text, List<string> paths, int max)
    {
        var reader = RawJson.Reader(utf8);
        var frames = new Stack<Frame>();
        var buffer = ArrayPool<char>.Shared.Rent(256);
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        var frame = frames.Peek();
                        frame.Property = reader.GetString();
                        if (frame.Property!.Contains(text, StringComparison.OrdinalIgnoreCase))
                        {
                            paths.Add($"{frame.Path}.{frame.Property}");
                        }
                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        frames.Push(new Frame(frames.TryPeek(out var parent) ? parent.PathOfNext() : "$", reader.TokenType == JsonTokenType.StartArray));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.Pop();
                        break;
                    default:
                        var matched = Contains(ref reader, text, ref buffer);
                        if (!frames.TryPeek(out var container))
                        {
                            if (matched)
                            {
                                paths.Add("$");
                            }
                        }
                        else if (matched)
                        {
                            // A key that matched has its path listed already.
                            var path = container.PathOfNext();
                            if (paths.Count == 0 || paths[^1] != path)
                            {
                                paths.Add(path);
                            }
                        }
                        else if (container.IsArray)
                        {
                            container.NextIndex++;
                        }
                        break;
                }
                if (paths.Count >= max)
                {
                    return true;
                }
            }
            return false;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>Whether a string's content, or a number or literal as written, contains the text: decoded into a reused buffer.</summary>
    private static bool Contains(ref Utf8JsonReader reader, string text, ref char[] buffer)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            var raw = reader.ValueSpan;
            var length = Encoding.UTF8.GetChars(raw, Grow(ref buffer, raw.Length));
            return buffer.AsSpan(0, length).Contains(text, StringComparison.OrdinalIgnoreCase);
        }
        // Unescaped, a string has at most as many chars as its UTF-8 bytes as written.
        var written = reader.CopyString(Grow(ref buffer, reader.ValueSpan.Length));
        return buffer.AsSpan(0, written).Contains(text, StringComparison.OrdinalIgnoreCase);
    }

    private static char[] Grow(ref char[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            ArrayPool<char>.Shared.Return(buffer);
            buffer = ArrayPool<char>.Shared.Rent(length);
        }
        return buffer;
    }
}
