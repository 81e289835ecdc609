namespace Dashboard.Model.Runs;

/// <summary>
/// Token usage. <see cref="Cached"/> is the part of <see cref="Prompt"/> served from a cache (billed lower),
/// never added on top: <see cref="Total"/> is always <c>Prompt + Completion</c>.
/// </summary>
public sealed record TokenBreakdown
{
    public static readonly TokenBreakdown Zero = new();

    public long Prompt { get; init; }
    public long Cached { get; init; }
    public long Completion { get; init; }
    public long Total { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsZero => Prompt == 0 && Cached == 0 && Completion == 0 && Total == 0;

    /// <summary>Fills a missing total (sent as absent or 0) from its parts.</summary>
    public TokenBreakdown Normalized() => Total == 0 ? this with { Total = Prompt + Completion } : this;

    public static TokenBreakdown operator +(TokenBreakdown a, TokenBreakdown b) => new()
    {
        Prompt = a.Prompt + b.Prompt,
        Cached = a.Cached + b.Cached,
        Completion = a.Completion + b.Completion,
        Total = a.Total + b.Total,
    };
}
