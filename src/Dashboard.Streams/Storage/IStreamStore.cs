using Dashboard.Streams.Core;

namespace Dashboard.Streams.Storage;

/// <summary>
/// What the stream engine needs of storage: atomic, serialised write transactions and concurrent reads. The engine
/// holds the protocol's rules; a store only keeps rows.
/// </summary>
public interface IStreamStore : IDisposable
{
    /// <summary>Runs <paramref name="work"/> as one atomic transaction: all of it is durable, or none of it.</summary>
    T Write<T>(Func<IStreamWriter, T> work);

    /// <summary>
    /// <see cref="Write{T}"/> for a caller that can await: a store that makes callers wait for each other's transaction
    /// (group commit) lets them wait without holding a thread. Others write at once, as <see cref="Write{T}"/>.
    /// </summary>
    Task<T> WriteAsync<T>(Func<IStreamWriter, T> work) => Task.FromResult(Write(work));

    StreamRecord? Find(string path);

    StreamRecord? FindById(long id);

    ProducerState? ReadProducer(long streamId, string producerId);

    /// <summary>
    /// The stream at <paramref name="path"/> with, where the store reads both at once, what <see cref="ReadOwn"/> gives
    /// from <paramref name="from"/> to its tail: a follower's read is then one round trip to a database server, not two.
    /// Own is null when it was not read with the record (the store does not, the stream is not found, the position is at
    /// or past its tail, or before a fork's own data); the caller then reads as usual.
    /// </summary>
    (StreamRecord? Stream, IReadOnlyList<StoredMessage>? Own) FindAndRead(string path, long from, long maxBytes, int maxMessages) =>
        (Find(path), null);

    /// <summary>The stream's own messages overlapping [from, to), oldest first, within the byte and count budget (at least one).</summary>
    IReadOnlyList<StoredMessage> ReadOwn(long streamId, long from, long to, long maxBytes, int maxMessages);

    /// <summary>
    /// Where the last <paramref name="appends"/> appends of the stream's own data start (its first own position when it has
    /// fewer): a tail read of a stream whose appends are one message each, without reading it from the start.
    /// </summary>
    long StartOfLastAppends(long streamId, int appends);
}

/// <summary>Operations inside one write transaction.</summary>
public interface IStreamWriter
{
    DateTimeOffset Now { get; }

    StreamRecord? Find(string path);

    StreamRecord? FindById(long id);

    /// <summary>Inserts and returns the record with its new id.</summary>
    StreamRecord Insert(StreamRecord record);

    void Update(StreamRecord record);

    /// <summary>
    /// <see cref="Update"/> after an append, which changes only the tail, the closed flag, the last Stream-Seq and the
    /// last access: a store may write just those and leave the indexes over the other columns alone.
    /// </summary>
    void UpdateAfterAppend(StreamRecord record) => Update(record);

    /// <summary>Removes the stream with its messages and producer states.</summary>
    void Remove(long streamId);

    ProducerState? GetProducer(long streamId, string producerId);

    void SetProducer(long streamId, ProducerState state);

    void AddMessages(long streamId, IReadOnlyList<StoredMessage> messages);

    /// <summary>The messages of the append that started at <paramref name="batchPosition"/>, in order.</summary>
    IReadOnlyList<StoredMessage> BatchAt(long streamId, long batchPosition);

    IReadOnlyList<StreamRecord> Expired(DateTimeOffset now);

    /// <summary>
    /// Appends one message to the stream at <paramref name="path"/>, placed at its tail as it is when the transaction
    /// commits, where the store can do so without reading the stream first; false where it cannot (the caller then
    /// appends as usual).
    /// </summary>
    bool TryAppendAtCommit(string path, ReadOnlyMemory<byte> message) => false;
}
