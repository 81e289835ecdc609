namespace Dashboard.Client;

/// <summary>How a live read reconnects after a dropped connection or a restarting service.</summary>
public sealed record LiveOptions
{
    public static LiveOptions Default { get; } = new();

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Give up after this many failures in a row; null: keep trying until cancelled.</summary>
    public int? MaxConsecutiveFailures { get; init; }

    /// <summary>How long one long-poll may take before it counts as a dropped connection.</summary>
    public TimeSpan LongPollTimeout { get; init; } = TimeSpan.FromSeconds(75);

    /// <summary>
    /// Long-poll (one request per batch; works through any proxy) or server-sent events (one connection delivers batch
    /// after batch, reopened from the last offset when the server recycles it): fewer requests for a busy follower.
    /// </summary>
    public LiveTransport Transport { get; init; } = LiveTransport.LongPoll;
}

public enum LiveTransport
{
    LongPoll,
    ServerSentEvents,
}
