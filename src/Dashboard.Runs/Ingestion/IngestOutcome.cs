namespace Dashboard.Runs.Ingestion;

/// <summary>The answer to a batch: accepted (some events may have been duplicates), or refused whole.</summary>
public sealed record IngestOutcome
{
    public required int Status { get; init; }
    public string? ErrorCode { get; init; }
    public string? Message { get; init; }
    public int Accepted { get; init; }
    public int Duplicates { get; init; }
    public string? NextOffset { get; init; }
    public bool DuplicateBatch { get; init; }

    public bool Succeeded => ErrorCode is null;
}
