namespace Dashboard.Streams.Core;

public enum StreamStatus
{
    Ok,
    Created,
    NoContent,
    BadRequest,
    NotFound,
    Gone,
    Conflict,
    Forbidden,
}

/// <summary>PUT: create a stream, or confirm an existing one with the same configuration.</summary>
public sealed record CreateStreamRequest
{
    public required string Path { get; init; }
    public string? ContentType { get; init; }
    public long? TtlSeconds { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public bool Closed { get; init; }
    public string? ForkedFrom { get; init; }
    public StreamOffset? ForkOffset { get; init; }
    public long? ForkSubOffset { get; init; }
    public ReadOnlyMemory<byte> Body { get; init; }
}

public sealed record ProducerClaim(string Id, long Epoch, long Seq);

/// <summary>POST: append (and/or close).</summary>
public sealed record AppendRequest
{
    public required string Path { get; init; }
    public string? ContentType { get; init; }
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>
    /// Instead of <see cref="Body"/>, for a caller in this process that serialised each message itself (a JSON stream's
    /// messages, each one JSON value): stored as given, without parsing the body again to split it.
    /// </summary>
    public IReadOnlyList<ReadOnlyMemory<byte>>? Messages { get; init; }

    public bool Close { get; init; }
    public string? StreamSeq { get; init; }
    public ProducerClaim? Producer { get; init; }

    /// <summary>
    /// When set, the append happens only if the stream's tail is still here (else <see cref="StreamResult.TailMoved"/>):
    /// for a writer that derived the batch from what it last read, while another writer (another instance) may have
    /// appended since.
    /// </summary>
    public StreamOffset? ExpectedTail { get; init; }

    /// <summary>Runs inside the append's transaction after the messages are stored; throwing aborts the append.</summary>
    public Action<IAppendContext>? InTransaction { get; init; }

    /// <summary>
    /// Runs once the append is committed, before its readers in this process are woken: what it hands them (the appended
    /// messages as the caller has them) is there when they wake. Not run when nothing was appended.
    /// </summary>
    public Action? Committed { get; init; }
}

/// <summary>
/// What an in-transaction hook sees: the stream as appended and where each new message landed. Rows of its own the hook
/// writes through its store's typed transaction (<see cref="Storage.SqliteStreamStore.Transaction"/>).
/// </summary>
public interface IAppendContext
{
    StreamRecord Stream { get; }
    IReadOnlyList<StoredMessage> Appended { get; }

    /// <summary>
    /// Appends to another stream in the same transaction (both are stored or neither); its readers are woken once the
    /// transaction is committed.
    /// </summary>
    StreamResult Append(AppendRequest request);

    /// <summary>
    /// Appends one JSON message to another (open, JSON) stream in the same transaction, at that stream's tail as it is
    /// when the transaction commits: for a stream every transaction appends to (a feed), whose lock is then held only
    /// while committing (PostgreSQL) rather than from here on. Nothing to check, no producer; a stream that is missing or
    /// closed fails the transaction. Its readers are woken once the transaction is committed.
    /// </summary>
    void AppendAtCommit(string path, ReadOnlyMemory<byte> message);
}

public sealed record StreamResult
{
    public required StreamStatus Status { get; init; }
    public StreamRecord? Stream { get; init; }
    public string? Error { get; init; }
    public StreamOffset? NextOffset { get; init; }
    public bool Closed { get; init; }
    public long? ProducerEpoch { get; init; }
    public long? ProducerSeq { get; init; }
    public long? ProducerExpectedSeq { get; init; }
    public long? ProducerReceivedSeq { get; init; }

    /// <summary>An idempotent producer's resend of a batch already stored: nothing was appended.</summary>
    public bool Duplicate { get; init; }

    /// <summary>Refused because the tail was not <see cref="AppendRequest.ExpectedTail"/> (status Conflict).</summary>
    public bool TailMoved { get; init; }

    /// <summary>For appends: where the new messages landed.</summary>
    public IReadOnlyList<StoredMessage> Appended { get; init; } = [];

    public static StreamResult Fail(StreamStatus status, string error, StreamRecord? stream = null) =>
        new() { Status = status, Error = error, Stream = stream, NextOffset = stream?.TailOffset, Closed = stream?.Closed ?? false };
}

/// <summary>A read: the data from an offset (as whole messages where they must stay whole), where it ends, and whether that is the tail.</summary>
public sealed record StreamRead
{
    public required StreamStatus Status { get; init; }
    public string? Error { get; init; }
    public StreamRecord? Stream { get; init; }
    public StreamOffset From { get; init; }
    public StreamOffset Next { get; init; }
    public IReadOnlyList<ReadOnlyMemory<byte>> Messages { get; init; } = [];

    /// <summary>Where each message ends: the offset a reader resumes from after it.</summary>
    public IReadOnlyList<long> MessageEnds { get; init; } = [];
    public bool UpToDate { get; init; }
    public bool Closed { get; init; }

    public bool HasData => Next.Position > From.Position;

    /// <summary>The body as the protocol sends it: a JSON array for JSON streams, the raw bytes otherwise.</summary>
    public byte[] Body(MessageTransform? transform = null)
    {
        if (Stream is { IsJson: true })
        {
            return JsonMessages.ToArray(transform is null
                ? Messages
                : Messages.Select((m, i) => transform(m, new StreamOffset(MessageEnds[i]))).Where(m => !m.IsEmpty).ToList());
        }
        var length = Messages.Sum(m => m.Length);
        var body = new byte[length];
        var at = 0;
        foreach (var message in Messages)
        {
            message.Span.CopyTo(body.AsSpan(at));
            at += message.Length;
        }
        return body;
    }
}

/// <summary>Rewrites a message as it is served (the runs service adds each event's offset); an empty result drops it.</summary>
public delegate ReadOnlyMemory<byte> MessageTransform(ReadOnlyMemory<byte> message, StreamOffset end);

/// <summary>Read limits; a read returns at least one message when any is there.</summary>
public sealed record ReadLimits(long MaxBytes = 1024 * 1024, int MaxMessages = 10_000)
{
    public static ReadLimits Default { get; } = new();
}
