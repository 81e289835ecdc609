namespace Dashboard.Streams.Hosting;

/// <summary>Settings of the Durable Streams server (section <c>Streams</c>).</summary>
public sealed class StreamsOptions
{
    /// <summary>The SQLite file; relative paths are under the working directory.</summary>
    public string DatabasePath { get; set; } = "data/streams.db";

    /// <summary>How long a long-poll waits at the tail before answering 204. The conformance suite needs about 500 ms.</summary>
    public int LongPollTimeoutMs { get; set; } = 30_000;

    /// <summary>SSE connections are closed about this often so that clients reconnect (and CDNs can collapse them).</summary>
    public int SseRecycleMs { get; set; } = 60_000;

    public int SseHeartbeatMs { get; set; } = 15_000;

    /// <summary>Largest request body accepted on PUT and POST; above it, 413.</summary>
    public long MaxAppendBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Largest chunk one read returns.</summary>
    public long ReadChunkBytes { get; set; } = 1024 * 1024;

    public int ExpirySweepMs { get; set; } = 1_000;

    /// <summary>fsync every commit (survives power loss) instead of every checkpoint (survives a process crash).</summary>
    public bool SynchronousFull { get; set; }
}
