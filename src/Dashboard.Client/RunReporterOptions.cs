namespace Dashboard.Client;

public sealed record RunReporterOptions
{
    public static RunReporterOptions Default { get; } = new();

    /// <summary>Events per request; a batch is also sent when this many are waiting.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>Waiting events are sent at least this often.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Retries of one batch on a transient failure (service unreachable, time-out, 5xx, 429) before giving up.</summary>
    public int MaxRetries { get; init; } = 8;

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Identifies this reporter to the service across retries; a new one per reporter by default.</summary>
    public string? ProducerId { get; init; }
}
