namespace Dashboard.Streams.Core;

/// <summary>A stream's metadata as stored. Its data lives in messages; positions before <see cref="ForkPosition"/> are read from the source.</summary>
public sealed record StreamRecord
{
    public long Id { get; init; }
    public required string Path { get; init; }
    public required string ContentType { get; init; }
    public long? TtlSeconds { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Last read or write: a TTL counts from here (sliding window). HEAD does not move it.</summary>
    public DateTimeOffset LastAccessAt { get; init; }

    /// <summary>The tail: position after the last stored byte.</summary>
    public long Tail { get; init; }
    public bool Closed { get; init; }
    public string? LastStreamSeq { get; init; }

    /// <summary>Deleted while forks still read its data: answers 410 and blocks re-creation until the last fork goes.</summary>
    public bool SoftDeleted { get; init; }
    public int ForkCount { get; init; }

    public long? ForkSourceId { get; init; }
    public string? ForkSourcePath { get; init; }
    public long ForkPosition { get; init; }
    public long? ForkSubOffset { get; init; }

    public bool IsJson => StreamContentType.IsJson(ContentType);

    public bool IsExpired(DateTimeOffset now) =>
        (ExpiresAt is { } at && at <= now) || (TtlSeconds is { } ttl && LastAccessAt.AddSeconds(ttl) <= now);

    public StreamOffset TailOffset => new(Tail);
}

/// <summary>One stored message: a whole append for byte streams, one flattened element for JSON streams.</summary>
public sealed record StoredMessage(long Position, long BatchPosition, ReadOnlyMemory<byte> Data)
{
    public long End => Position + Data.Length;
}

/// <summary>An idempotent producer's state on one stream.</summary>
public sealed record ProducerState(string ProducerId, long Epoch, long LastSeq);
