namespace Dashboard.Streams.Core;

/// <summary>What a stream's content type means for the protocol: JSON mode, text (SSE as text) or binary (SSE as base64).</summary>
public static class StreamContentType
{
    public const string Default = "application/octet-stream";
    public const string Json = "application/json";

    /// <summary>The media type alone, lower-cased: <c>"Application/JSON; charset=utf-8"</c> → <c>"application/json"</c>.</summary>
    public static string MediaType(string contentType)
    {
        var semicolon = contentType.IndexOf(';');
        var media = semicolon >= 0 ? contentType[..semicolon] : contentType;
        return media.Trim().ToLowerInvariant();
    }

    public static bool AreSame(string a, string b) => MediaType(a) == MediaType(b);

    public static bool IsJson(string contentType) => MediaType(contentType) == Json;

    /// <summary>Text streams are sent over SSE as text; everything else is base64.</summary>
    public static bool IsText(string contentType)
    {
        var media = MediaType(contentType);
        return media == Json || media.StartsWith("text/", StringComparison.Ordinal);
    }

    /// <summary>A syntactically valid <c>type/subtype</c>; anything else is a 400.</summary>
    public static bool IsValid(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return false;
        }
        var media = MediaType(contentType);
        var slash = media.IndexOf('/');
        return slash > 0 && slash < media.Length - 1 && media.IndexOf('/', slash + 1) < 0 && !media.Any(char.IsWhiteSpace);
    }
}
