using System.Text.Json;

namespace Dashboard.Runs.Projections;

/// <summary>
/// A stored attempt's JSON turned into that of an earlier attempt: the same bytes without the top-level
/// <c>attemptCount</c>, which only a step's latest attempt carries. Cut out rather than parsed and written again, so
/// that every other byte (number forms, escapes, payloads of megabytes) stays as it was stored.
/// </summary>
internal static class StoredAttemptJson
{
    public static byte[] AsEarlierAttempt(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidDataException("A stored attempt is not a JSON object.");
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var nameStart = (int)reader.TokenStartIndex;
            var isCount = reader.ValueTextEquals("attemptCount"u8);
            reader.Read();
            reader.Skip();
            if (!isCount)
            {
                continue;
            }
            var valueEnd = (int)reader.BytesConsumed;
            // With the comma that joined it to the property before, or else (it came first) to the one after.
            var before = json[..nameStart].TrimEnd(" \t\r\n"u8);
            int cutFrom = nameStart, cutTo = valueEnd;
            if (before.Length > 0 && before[^1] == (byte)',')
            {
                cutFrom = before.Length - 1;
            }
            else
            {
                var after = json[valueEnd..];
                var gap = after.Length - after.TrimStart(" \t\r\n"u8).Length;
                if (gap < after.Length && after[gap] == (byte)',')
                {
                    cutTo = valueEnd + gap + 1;
                }
            }
            return [.. json[..cutFrom], .. json[cutTo..]];
        }
        return json.ToArray();
    }
}
