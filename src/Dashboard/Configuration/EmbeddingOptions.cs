namespace Dashboard.Configuration;

/// <summary>Embedding one run in an admin portal's iframe (section <c>Embedding</c>).</summary>
public sealed class EmbeddingOptions
{
    /// <summary>Origins allowed to frame the embed routes (CSP frame-ancestors). None by default: nothing may frame the dashboard.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>HMAC key of signed embed links. When set, embed routes need a valid, unexpired signature for their scope.</summary>
    public string? SigningKey { get; set; }
}
