namespace Dashboard.Model.Runs;

/// <summary>
/// Token usage. <see cref="Cached"/> is the part of <see cref="Prompt"/> served from a cache (billed lower),
/// never added on top: <see cref="Total"/> is always <c>Prompt + Completion</c>.
/// </summary>
public sealed record TokenBreakdown
{
    public static readonly TokenBreakdown Zero = new();

    private readonly long _total;

    public long Prompt { get; init; }
    public long Cached { get; init; }
    public long Completion { get; init; }

    /// <summary>
    /// As sent, or, when an engine leaves it out (or sends 0), the sum of its parts: the one place a missing total is
    /// filled, so that every reader (reducer, rollups, insights, screens) sees the same number.
    /// </summary>
    public long Total
    {
        get => _total == 0 ? Prompt + Completion : _total;
        init => _total = value;
    }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsZero => Prompt == 0 && Cached == 0 && Completion == 0 && Total == 0;

    public bool Equals(TokenBreakdown? other) =>
        other is not null && Prompt == other.Prompt && Cached == other.Cached && Completion == other.Completion && Total == other.Total;

    public override int GetHashCode() => HashCode.Combine(Prompt, Cached, Completion, Total);

    public static TokenBreakdown operator +(TokenBreakdown a, TokenBreakdown b) => new()
    {
        Prompt = a.Prompt + b.Prompt,
        Cached = a.Cached + b.Cached,
        Completion = a.Completion + b.Completion,
        Total = a.Total + b.Total,
    };
}
