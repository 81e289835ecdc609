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
        var more = Walk(root.Utf8, text.Trim(), paths, max);
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
    /// A container being read. Its path is made only when asked (for a match inside it), from its parent's and its own
    /// place there (an index, or the name's bytes), so a pass over 60,000 records makes no string for those without one.
    /// </summary>
    private sealed class Frame(Frame? parent, bool isArray, int index, int nameStart, int nameLength, ReadOnlyMemory<byte> utf8)
    {
        private string? _path;

        public Frame? Parent { get; } = parent;

        public bool IsArray { get; } = isArray;

        /// <summary>For an array, the index of its next item.</summary>
        public int NextIndex { get; set; }

        /// <summary>For an object, where the name read last is (its quotes included).</summary>
        public int NameStart { get; set; }

        public int NameLength { get; set; }

        public string Path => _path ??= Parent is null
            ? "$"
            : Parent.IsArray ? $"{Parent.Path}[{index}]" : $"{Parent.Path}.{NameAt(utf8, nameStart, nameLength)}";

        public string PathOfName() => $"{Path}.{NameAt(utf8, NameStart, NameLength)}";

        public Frame Child(bool isArray) => new(this, isArray, IsArray ? NextIndex++ : -1, NameStart, NameLength, utf8);

        /// <summary>The path of the value just read (a primitive), counting it as an array's item.</summary>
        public string PathOfValue() => IsArray ? $"{Path}[{NextIndex++}]" : PathOfName();

        private static string NameAt(ReadOnlyMemory<byte> utf8, int start, int length) => new RawJson(utf8.Slice(start, length)).GetString();
    }

    /// <summary>True when it stopped at <paramref name="max"/> matches.</summary>
    private static bool Walk(ReadOnlyMemory<byte> utf8, string text, List<string> paths, int max)
    {
        var reader = RawJson.Reader(utf8.Span);
        Frame? frame = null;
        var buffer = ArrayPool<char>.Shared.Rent(256);
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        // The name's bytes as written, quotes included (an escaped name's bytes are its escapes).
                        frame!.NameStart = (int)reader.TokenStartIndex;
                        frame.NameLength = reader.ValueSpan.Length + 2;
                        if (Contains(ref reader, text, ref buffer))
                        {
                            paths.Add(frame.PathOfName());
                        }
                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        var isArray = reader.TokenType == JsonTokenType.StartArray;
                        frame = frame is null ? new Frame(null, isArray, -1, 0, 0, utf8) : frame.Child(isArray);
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frame = frame!.Parent;
                        break;
                    default:
                        var matched = Contains(ref reader, text, ref buffer);
                        if (frame is null)
                        {
                            if (matched)
                            {
                                paths.Add("$");
                            }
                        }
                        else if (matched)
                        {
                            // A key that matched has its path listed already.
                            var path = frame.PathOfValue();
                            if (paths.Count == 0 || paths[^1] != path)
                            {
                                paths.Add(path);
                            }
                        }
                        else if (frame.IsArray)
                        {
                            frame.NextIndex++;
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
        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
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
