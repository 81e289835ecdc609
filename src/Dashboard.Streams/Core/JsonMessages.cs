using System.Text.Json;

namespace Dashboard.Streams.Core;

/// <summary>JSON mode: a body is validated, and a top-level array is flattened one level into messages.</summary>
public static class JsonMessages
{
    private static readonly JsonReaderOptions Options = new() { MaxDepth = 256, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>
    /// The messages of a JSON body as slices of it (no copy): the elements of a top-level array, else the one value.
    /// Null with a reason when the body is not exactly one valid JSON value.
    /// </summary>
    public static (IReadOnlyList<ReadOnlyMemory<byte>>? Messages, string? Error) Split(ReadOnlyMemory<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body.Span, Options);
            if (!reader.Read())
            {
                return (null, "invalid JSON: the body is empty");
            }
            List<ReadOnlyMemory<byte>> messages;
            if (reader.TokenType == JsonTokenType.StartArray)
            {
                messages = [];
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    messages.Add(body[start..(int)reader.BytesConsumed]);
                }
            }
            else
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                messages = [body[start..(int)reader.BytesConsumed]];
            }
            if (reader.Read())
            {
                return (null, "invalid JSON: more than one value");
            }
            return (messages, null);
        }
        catch (JsonException ex)
        {
            return (null, $"invalid JSON: {ex.Message}");
        }
    }

    /// <summary>Messages as the JSON array a read returns.</summary>
    public static byte[] ToArray(IReadOnlyList<ReadOnlyMemory<byte>> messages)
    {
        var length = 2 + Math.Max(0, messages.Count - 1);
        foreach (var message in messages)
        {
            length += message.Length;
        }
        var buffer = new byte[length];
        var at = 0;
        buffer[at++] = (byte)'[';
        for (var i = 0; i < messages.Count; i++)
        {
            if (i > 0)
            {
                buffer[at++] = (byte)',';
            }
            messages[i].Span.CopyTo(buffer.AsSpan(at));
            at += messages[i].Length;
        }
        buffer[at] = (byte)']';
        return buffer;
    }
}
