using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Dashboard.Runs.Projections;

/// <summary>The opaque keyset cursor of the executions list: the (start time, id) of the last row served.</summary>
public readonly record struct RunListCursor(long StartedAt, string RunId)
{
    public string Encode() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{StartedAt}|{RunId}")));

    public static bool TryDecode(string? text, out RunListCursor cursor)
    {
        cursor = default;
        if (string.IsNullOrEmpty(text) || text.Length > 1024)
        {
            return false;
        }
        try
        {
            var raw = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text));
            var bar = raw.IndexOf('|', StringComparison.Ordinal);
            if (bar <= 0 || !long.TryParse(raw.AsSpan(0, bar), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var startedAt))
            {
                return false;
            }
            cursor = new RunListCursor(startedAt, raw[(bar + 1)..]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
