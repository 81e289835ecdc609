namespace Dashboard.Client;

/// <summary>Where the runs service is and how to call it.</summary>
public sealed class RunsClientOptions
{
    public Uri? BaseAddress { get; set; }

    /// <summary>Bearer API key; none for a loopback service that asks for none.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Time-out of each call (not of live streams, which follow their own long-poll).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
