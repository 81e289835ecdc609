using System.Text;
using Dashboard.Streams.Storage;

namespace Dashboard.Streams.Core;

/// <summary>
/// The Durable Streams rules, independent of HTTP and of storage: create (with forks), append (with closing,
/// <c>Stream-Seq</c> and idempotent producers), read across fork chains, delete (soft while forks read the data),
/// TTL and expiry. Every change is one store transaction; readers waiting at a tail are woken after it commits.
/// </summary>
public sealed class DurableStreamEngine(IStreamStore store, StreamNotifier notifier, TimeProvider time)
{
    private readonly SharedReads _sharedReads = new();

    public IStreamStore Store => store;

    public StreamNotifier Notifier => notifier;

    public StreamResult Create(CreateStreamRequest request) =>
        RefusedCreate(request) ?? Created(request, store.Write(w => CreateIn(w, request)));

    /// <summary><see cref="Create"/> for a caller that can await its turn at the store (<see cref="IStreamStore.WriteAsync{T}"/>).</summary>
    public async Task<StreamResult> CreateAsync(CreateStreamRequest request) =>
        RefusedCreate(request) ?? Created(request, await store.WriteAsync(w => CreateIn(w, request)).ConfigureAwait(false));

    private StreamResult Created(CreateStreamRequest request, StreamResult result)
    {
        if (result.Status is StreamStatus.Created)
        {
            notifier.Changed(request.Path);
        }
        return result;
    }

    private static StreamResult? RefusedCreate(CreateStreamRequest request)
    {
        if (request.ForkSubOffset is not null && request.ForkedFrom is null)
        {
            return StreamResult.Fail(StreamStatus.BadRequest, "Stream-Fork-Sub-Offset needs Stream-Forked-From.");
        }
        if (request.ForkSubOffset is > 0 && request.ForkOffset is null)
        {
            return StreamResult.Fail(StreamStatus.BadRequest, "A sub-offset above 0 needs Stream-Fork-Offset.");
        }
        if (request.ContentType is not null && !StreamContentType.IsValid(request.ContentType))
        {
            return StreamResult.Fail(StreamStatus.BadRequest, "Content-Type is not a valid media type.");
        }
        return null;
    }

    private StreamResult CreateIn(IStreamWriter w, CreateStreamRequest request)
    {
        var existing = LiveOrNull(w, w.Find(request.Path));
        StreamRecord? source = null;
        if (request.ForkedFrom is { } sourcePath)
        {
            source = w.Find(sourcePath);
            if (source is { SoftDeleted: false } && source.IsExpired(w.Now))
            {
                source = ExpireIn(w, source);
            }
            if (source is null)
            {
                return StreamResult.Fail(StreamStatus.NotFound, $"The source stream {sourcePath} does not exist.");
            }
            if (source.SoftDeleted)
            {
                return StreamResult.Fail(StreamStatus.Conflict, $"The source stream {sourcePath} has been deleted.");
            }
        }

        var contentType = request.ContentType ?? source?.ContentType ?? StreamContentType.Default;
        if (source is not null && !StreamContentType.AreSame(contentType, source.ContentType))
        {
            return StreamResult.Fail(StreamStatus.Conflict, "A fork keeps its source's content type.");
        }
        var ttl = request.TtlSeconds ?? (request.ExpiresAt is null ? source?.TtlSeconds : null);
        var expiresAt = request.ExpiresAt ?? (request.TtlSeconds is null ? source?.ExpiresAt : null);

        if (existing is not null)
        {
            if (existing.SoftDeleted)
            {
                return StreamResult.Fail(StreamStatus.Conflict, "A deleted stream whose forks still read it holds this path.", existing);
            }
            var same = StreamContentType.AreSame(existing.ContentType, contentType)
                && existing.TtlSeconds == ttl
                && existing.ExpiresAt?.ToUnixTimeMilliseconds() == expiresAt?.ToUnixTimeMilliseconds()
                && existing.ForkSourcePath == source?.Path
                && (request.ForkOffset is null || existing.ForkPosition == request.ForkOffset.Value.Position)
                && (existing.ForkSubOffset ?? 0) == (request.ForkSubOffset ?? 0);
            return same
                ? new StreamResult { Status = StreamStatus.Ok, Stream = existing, NextOffset = existing.TailOffset, Closed = existing.Closed }
                : StreamResult.Fail(StreamStatus.Conflict, "A stream with a different configuration exists at this path.", existing);
        }

        var messages = new List<StoredMessage>();
        long forkPosition = 0;
        if (source is not null)
        {
            forkPosition = request.ForkOffset?.Position ?? source.Tail;
            if (forkPosition > source.Tail)
            {
                return StreamResult.Fail(StreamStatus.BadRequest, "Stream-Fork-Offset is beyond the source's tail.");
            }
            if (request.ForkSubOffset is > 0 and var sub)
            {
                var batch = BatchAt(w, source, forkPosition);
                if (batch.Count == 0)
                {
                    return StreamResult.Fail(StreamStatus.BadRequest, "No append starts at Stream-Fork-Offset to take a sub-offset of.");
                }
                if (source.IsJson)
                {
                    if (sub > batch.Count)
                    {
                        return StreamResult.Fail(StreamStatus.BadRequest, $"The append at that offset has {batch.Count} messages.");
                    }
                    messages.AddRange(Place(batch.Take((int)sub).Select(m => m.Data), forkPosition));
                }
                else
                {
                    if (sub > batch[0].Data.Length)
                    {
                        return StreamResult.Fail(StreamStatus.BadRequest, $"The append at that offset has {batch[0].Data.Length} bytes.");
                    }
                    messages.AddRange(Place([batch[0].Data[..(int)sub]], forkPosition));
                }
            }
        }

        var position = forkPosition + messages.Sum(m => (long)m.Data.Length);
        if (!request.Body.IsEmpty)
        {
            var (bodyMessages, error) = Split(contentType, request.Body, allowEmptyArray: true);
            if (bodyMessages is null)
            {
                return StreamResult.Fail(StreamStatus.BadRequest, error!);
            }
            var placed = Place(bodyMessages, position);
            messages.AddRange(placed);
            position += placed.Sum(m => (long)m.Data.Length);
        }

        var record = w.Insert(new StreamRecord
        {
            Path = request.Path,
            ContentType = contentType,
            TtlSeconds = ttl,
            ExpiresAt = expiresAt,
            CreatedAt = w.Now,
            LastAccessAt = w.Now,
            Tail = position,
            Closed = request.Closed,
            ForkSourceId = source?.Id,
            ForkSourcePath = source?.Path,
            ForkPosition = forkPosition,
            ForkSubOffset = request.ForkSubOffset,
        });
        w.AddMessages(record.Id, messages);
        if (source is not null)
        {
            w.Update(source with { ForkCount = source.ForkCount + 1 });
        }
        return new StreamResult { Status = StreamStatus.Created, Stream = record, NextOffset = record.TailOffset, Closed = record.Closed };
    }

    public StreamResult Append(AppendRequest request)
    {
        if (Refused(request) is { } refused)
        {
            return refused;
        }
        var append = new PreparedAppend(this, request);
        return append.Done(store.Write(append.In));
    }

    /// <summary>
    /// <see cref="Append"/> for a caller that can await: while other appends commit, the caller waits without a thread
    /// (on stores with group commit; see <see cref="IStreamStore.WriteAsync{T}"/>).
    /// </summary>
    public async Task<StreamResult> AppendAsync(AppendRequest request)
    {
        if (Refused(request) is { } refused)
        {
            return refused;
        }
        var append = new PreparedAppend(this, request);
        return append.Done(await store.WriteAsync(append.In).ConfigureAwait(false));
    }

    /// <summary>What makes an append a bad request whatever the stream holds.</summary>
    private static StreamResult? Refused(AppendRequest request)
    {
        var closeOnly = request.Close && request.Body.IsEmpty && request.Messages is not { Count: > 0 };
        if (request.Body.IsEmpty && request.Messages is not { Count: > 0 } && !request.Close)
        {
            return StreamResult.Fail(StreamStatus.BadRequest, "An append needs a body (or Stream-Closed: true to close).");
        }
        if (!closeOnly && request.ContentType is null)
        {
            return StreamResult.Fail(StreamStatus.BadRequest, "Content-Type is required.");
        }
        if (!closeOnly && !StreamContentType.IsValid(request.ContentType))
        {
            return StreamResult.Fail(StreamStatus.BadRequest, "Content-Type is not a valid media type.");
        }
        return null;
    }

    /// <summary>An append whose body is split, ready for the write transaction, and what follows its commit.</summary>
    private sealed class PreparedAppend
    {
        private readonly DurableStreamEngine _engine;
        private readonly AppendRequest _request;
        private readonly bool _closeOnly;
        private readonly (IReadOnlyList<ReadOnlyMemory<byte>>? Messages, string? Error) _split;

        // Streams a hook appended to in the same transaction are woken with this one, once the transaction is committed:
        // a reader woken before the commit would find nothing and wait again.
        private readonly List<string> _alsoChanged = [];

        public PreparedAppend(DurableStreamEngine engine, AppendRequest request)
        {
            _engine = engine;
            _request = request;
            _closeOnly = request.Close && request.Body.IsEmpty && request.Messages is not { Count: > 0 };
            // Validate and split the body before taking the write lock: it is the costliest part of an append and needs
            // only the request. The stream's own content type must equal the request's, which AppendIn checks first.
            _split = _closeOnly ? default : SplitOrGiven(request);
        }

        /// <summary>The work inside the transaction (run again from the start if the store retries the transaction).</summary>
        public StreamResult In(IStreamWriter w)
        {
            _alsoChanged.Clear();
            return _engine.AppendIn(w, _request, _closeOnly, _split, _alsoChanged);
        }

        public StreamResult Done(StreamResult result)
        {
            if (result.Status is StreamStatus.Ok || (result.Status is StreamStatus.NoContent && result.Appended.Count > 0) || result.Closed)
            {
                if (result.Appended.Count > 0)
                {
                    _request.Committed?.Invoke();
                }
                _engine.Notifier.Changed(_request.Path);
                foreach (var path in _alsoChanged)
                {
                    _engine.Notifier.Changed(path);
                }
            }
            return result;
        }
    }

    /// <summary>An append made by a hook inside another append's transaction (see <see cref="IAppendContext.Append"/>).</summary>
    private StreamResult AppendInTransaction(IStreamWriter w, AppendRequest request)
    {
        var closeOnly = request.Close && request.Body.IsEmpty && request.Messages is not { Count: > 0 };
        if (request.Body.IsEmpty && request.Messages is not { Count: > 0 } && !request.Close)
        {
            return StreamResult.Fail(StreamStatus.BadRequest, "An append needs a body (or Stream-Closed: true to close).");
        }
        var split = closeOnly ? default : SplitOrGiven(request);
        return AppendIn(w, request, closeOnly, split, alsoChanged: null);
    }

    private StreamResult AppendIn(IStreamWriter w, AppendRequest request, bool closeOnly, (IReadOnlyList<ReadOnlyMemory<byte>>? Messages, string? Error) split,
        List<string>? alsoChanged)
    {
        var stream = w.Find(request.Path);
        if (stream is { SoftDeleted: false } && stream.IsExpired(w.Now))
        {
            ExpireIn(w, stream);
            stream = null;
        }
        if (stream is null)
        {
            return StreamResult.Fail(StreamStatus.NotFound, "No stream at this path.");
        }
        if (stream.SoftDeleted)
        {
            return StreamResult.Fail(StreamStatus.Gone, "The stream has been deleted.");
        }

        IReadOnlyList<ReadOnlyMemory<byte>> bodyMessages = [];
        if (!closeOnly)
        {
            if (!StreamContentType.AreSame(request.ContentType!, stream.ContentType))
            {
                return StreamResult.Fail(StreamStatus.Conflict, $"The stream's content type is {stream.ContentType}.", stream);
            }
            if (split.Messages is null)
            {
                return StreamResult.Fail(StreamStatus.BadRequest, split.Error!, stream);
            }
            bodyMessages = split.Messages;
        }

        ProducerState? producerState = null;
        if (request.Producer is { } producer)
        {
            var verdict = ProducerVerdict.Of(producer, w.GetProducer(stream.Id, producer.Id));
            switch (verdict.Kind)
            {
                case ProducerVerdictKind.StaleEpoch:
                    return StreamResult.Fail(StreamStatus.Forbidden, "Stale producer epoch.", stream) with { ProducerEpoch = verdict.KnownEpoch };
                case ProducerVerdictKind.Duplicate:
                    return new StreamResult
                    {
                        Status = StreamStatus.NoContent,
                        Stream = stream,
                        NextOffset = stream.TailOffset,
                        Closed = stream.Closed,
                        ProducerEpoch = verdict.KnownEpoch,
                        ProducerSeq = verdict.ExpectedSeq - 1,
                        Duplicate = true,
                    };
                case ProducerVerdictKind.NewEpochNotAtZero:
                    return StreamResult.Fail(StreamStatus.BadRequest, "A new producer epoch starts at Producer-Seq 0.", stream);
                case ProducerVerdictKind.SequenceGap:
                    return StreamResult.Fail(StreamStatus.Conflict, "Producer sequence gap.", stream) with
                    {
                        ProducerExpectedSeq = verdict.ExpectedSeq,
                        ProducerReceivedSeq = verdict.ReceivedSeq,
                    };
            }
            producerState = new ProducerState(producer.Id, producer.Epoch, producer.Seq);
        }

        if (stream.Closed)
        {
            return closeOnly
                ? new StreamResult { Status = StreamStatus.NoContent, Stream = stream, NextOffset = stream.TailOffset, Closed = true }
                : StreamResult.Fail(StreamStatus.Conflict, "The stream is closed.", stream);
        }
        if (request.ExpectedTail is { } expected && expected.Position != stream.Tail)
        {
            return StreamResult.Fail(StreamStatus.Conflict, "The stream's tail moved since it was read.", stream) with { TailMoved = true };
        }
        if (request.StreamSeq is { } seq && stream.LastStreamSeq is { } last && CompareBytes(seq, last) <= 0)
        {
            return StreamResult.Fail(StreamStatus.Conflict, $"Stream-Seq must increase (last was '{last}').", stream);
        }

        var placed = Place(bodyMessages, stream.Tail);
        var updated = stream with
        {
            Tail = stream.Tail + placed.Sum(m => (long)m.Data.Length),
            Closed = request.Close,
            LastStreamSeq = request.StreamSeq ?? stream.LastStreamSeq,
            LastAccessAt = w.Now,
        };
        w.AddMessages(stream.Id, placed);
        w.UpdateAfterAppend(updated);
        if (producerState is not null)
        {
            w.SetProducer(stream.Id, producerState);
        }
        request.InTransaction?.Invoke(new AppendContext(this, w, updated, placed, alsoChanged));

        return new StreamResult
        {
            Status = producerState is not null && !closeOnly ? StreamStatus.Ok : StreamStatus.NoContent,
            Stream = updated,
            NextOffset = updated.TailOffset,
            Closed = updated.Closed,
            ProducerEpoch = producerState?.Epoch,
            ProducerSeq = producerState?.LastSeq,
            Appended = placed,
        };
    }

    /// <summary>An idempotent producer's state on a stream, or null (unknown stream or producer).</summary>
    public ProducerState? Producer(string path, string producerId) =>
        store.Find(path) is { } stream ? store.ReadProducer(stream.Id, producerId) : null;

    /// <summary>HEAD: metadata without touching the TTL.</summary>
    public StreamResult Head(string path)
    {
        var stream = Resolve(path, out var failure);
        return failure ?? new StreamResult { Status = StreamStatus.Ok, Stream = stream, NextOffset = stream!.TailOffset, Closed = stream.Closed };
    }

    /// <summary>
    /// Reads from <paramref name="from"/> (null: from the current tail) within <paramref name="limits"/>, and not past
    /// <paramref name="until"/> when given (a reader that knows where its part ends is not sent what follows). A read
    /// renews a TTL.
    /// </summary>
    public StreamRead Read(string path, StreamOffset? from, ReadLimits? limits = null, StreamOffset? until = null)
    {
        var bounded = limits ?? ReadLimits.Default;
        StreamRecord? found;
        IReadOnlyList<StoredMessage>? prefetched = null;
        if (from is { } at && until is null)
        {
            // A reader that says where it is (every follower) is read with the record where the store can.
            (found, prefetched) = store.FindAndRead(path, at.Position, bounded.MaxBytes, bounded.MaxMessages);
        }
        else
        {
            found = store.Find(path);
        }
        var stream = Resolved(path, found, out var failure);
        if (failure is not null)
        {
            return new StreamRead { Status = failure.Status, Error = failure.Error };
        }
        if (stream!.TtlSeconds is not null)
        {
            stream = store.Write(w => Touch(w, path)) ?? stream;
        }
        if (!ReferenceEquals(stream, found))
        {
            // Expired or touched since: what was read with the old record is not this one's.
            prefetched = null;
        }
        var start = from?.Position ?? stream.Tail;
        if (start > stream.Tail)
        {
            return new StreamRead { Status = StreamStatus.BadRequest, Error = "The offset is beyond the stream's tail.", Stream = stream };
        }

        var messages = new List<ReadOnlyMemory<byte>>();
        var ends = new List<long>();
        var budget = new Budget(bounded);
        var stop = until is { } bound ? Math.Clamp(bound.Position, start, stream.Tail) : stream.Tail;
        var end = ReadChain(stream, start, stop, messages, ends, budget, prefetched);
        return new StreamRead
        {
            Status = StreamStatus.Ok,
            Stream = stream,
            From = new StreamOffset(start),
            Next = new StreamOffset(end),
            Messages = messages,
            MessageEnds = ends,
            UpToDate = end == stream.Tail,
            Closed = stream.Closed && end == stream.Tail,
        };
    }

    /// <summary>
    /// <see cref="Read"/> for a reader holding <paramref name="change"/>, the stream's next change taken before this read:
    /// readers woken together that read from the same place with the same limits share one read (<see cref="SharedReads"/>).
    /// </summary>
    public Task<StreamRead> ReadAfterAsync(Task change, string path, StreamOffset? from, ReadLimits? limits = null)
    {
        var bounded = limits ?? ReadLimits.Default;
        return _sharedReads.Read(change, path, from, bounded, () => Read(path, from, bounded));
    }

    /// <summary>
    /// The offset from which the last <paramref name="appends"/> appends remain (the stream's start when it has fewer);
    /// null when the stream cannot be read.
    /// </summary>
    public StreamOffset? StartOfLastAppends(string path, int appends)
    {
        var stream = Resolve(path, out var failure);
        return failure is null && stream is not null ? new StreamOffset(store.StartOfLastAppends(stream.Id, appends)) : null;
    }

    /// <summary>
    /// Long-poll: returns as soon as there is data after <paramref name="from"/>, the stream is closed at its tail, or
    /// <paramref name="timeout"/> passes (then an empty, up-to-date read).
    /// </summary>
    public async Task<StreamRead> WaitAsync(string path, StreamOffset? from, TimeSpan timeout, ReadLimits? limits, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timeout;
        var position = from;
        while (true)
        {
            var change = notifier.NextChange(path);
            var read = await ReadAfterAsync(change, path, position, limits).ConfigureAwait(false);
            if (read.Status != StreamStatus.Ok || read.HasData || read.Closed)
            {
                return read;
            }
            position = read.From;
            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return read;
            }
            await ChangeWait.WithinAsync(change, remaining, time, cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    public StreamResult Delete(string path)
    {
        var result = store.Write(w =>
        {
            var stream = w.Find(path);
            if (stream is null)
            {
                return StreamResult.Fail(StreamStatus.NotFound, "No stream at this path.");
            }
            if (stream.SoftDeleted)
            {
                return StreamResult.Fail(StreamStatus.Gone, "The stream has already been deleted.");
            }
            if (stream.IsExpired(w.Now))
            {
                ExpireIn(w, stream);
                return StreamResult.Fail(StreamStatus.NotFound, "No stream at this path.");
            }
            ExpireIn(w, stream);
            return new StreamResult { Status = StreamStatus.NoContent };
        });
        notifier.Changed(path);
        return result;
    }

    /// <summary>Deletes every stream whose TTL or expiry time has passed; returns their paths.</summary>
    public IReadOnlyList<string> ExpireDue()
    {
        var paths = store.Write(w =>
        {
            var expired = w.Expired(w.Now);
            foreach (var stream in expired)
            {
                ExpireIn(w, w.FindById(stream.Id) ?? stream);
            }
            return expired.Select(s => s.Path).ToList();
        });
        foreach (var path in paths)
        {
            notifier.Changed(path);
        }
        return paths;
    }

    private StreamRecord? Resolve(string path, out StreamResult? failure) => Resolved(path, store.Find(path), out failure);

    /// <summary><see cref="Resolve"/> for the record <paramref name="stream"/> found at <paramref name="path"/>.</summary>
    private StreamRecord? Resolved(string path, StreamRecord? stream, out StreamResult? failure)
    {
        failure = null;
        if (stream is { SoftDeleted: false } && stream.IsExpired(time.GetUtcNow()))
        {
            stream = store.Write(w => w.Find(path) is { SoftDeleted: false } current && current.IsExpired(w.Now) ? ExpireIn(w, current) : w.Find(path));
            notifier.Changed(path);
            if (stream is not null && !stream.SoftDeleted)
            {
                return stream;
            }
            failure = StreamResult.Fail(stream is null ? StreamStatus.NotFound : StreamStatus.Gone, "The stream has expired.");
            return null;
        }
        if (stream is null)
        {
            failure = StreamResult.Fail(StreamStatus.NotFound, "No stream at this path.");
        }
        else if (stream.SoftDeleted)
        {
            failure = StreamResult.Fail(StreamStatus.Gone, "The stream has been deleted.");
        }
        return stream;
    }

    private static StreamRecord? Touch(IStreamWriter w, string path)
    {
        var current = w.Find(path);
        if (current is null || current.SoftDeleted)
        {
            return current;
        }
        var touched = current with { LastAccessAt = w.Now };
        w.Update(touched);
        return touched;
    }

    /// <summary>Deletes a stream: softly while forks read its data, else for good, releasing its own source.</summary>
    private static StreamRecord? ExpireIn(IStreamWriter w, StreamRecord stream)
    {
        if (stream.ForkCount > 0)
        {
            var soft = stream with { SoftDeleted = true };
            w.Update(soft);
            return soft;
        }
        w.Remove(stream.Id);
        var sourceId = stream.ForkSourceId;
        while (sourceId is { } id && w.FindById(id) is { } source)
        {
            var released = source with { ForkCount = Math.Max(0, source.ForkCount - 1) };
            if (!(released.SoftDeleted && released.ForkCount == 0))
            {
                w.Update(released);
                break;
            }
            w.Remove(released.Id);
            sourceId = released.ForkSourceId;
        }
        return null;
    }

    private static StreamRecord? LiveOrNull(IStreamWriter w, StreamRecord? stream) =>
        stream is { SoftDeleted: false } && stream.IsExpired(w.Now) ? ExpireIn(w, stream) : stream;

    /// <summary>
    /// Reads [from, to) of a stream, descending into its fork source for the inherited part. <paramref name="prefetched"/>:
    /// the stream's own messages from <paramref name="from"/> to its tail, read with its record (<see cref="IStreamStore.FindAndRead"/>).
    /// </summary>
    private long ReadChain(StreamRecord stream, long from, long to, List<ReadOnlyMemory<byte>> messages, List<long> ends, Budget budget,
        IReadOnlyList<StoredMessage>? prefetched = null)
    {
        var began = from;
        if (stream.ForkSourceId is { } sourceId && from < stream.ForkPosition)
        {
            var source = store.FindById(sourceId)
                ?? throw new InvalidOperationException($"Fork source {sourceId} of {stream.Path} is missing.");
            from = ReadChain(source, from, Math.Min(to, stream.ForkPosition), messages, ends, budget);
            if (from < Math.Min(to, stream.ForkPosition) || budget.Exhausted)
            {
                return from;
            }
        }
        if (from >= to)
        {
            return from;
        }
        // Read with the record for the whole budget from where the read began: nothing came from a fork's source first.
        var own = prefetched is not null && from == began && to == stream.Tail
            ? prefetched
            : store.ReadOwn(stream.Id, from, to, budget.RemainingBytes, budget.RemainingMessages);
        foreach (var message in own)
        {
            if (message.End <= from)
            {
                continue;
            }
            var start = (int)Math.Max(0, from - message.Position);
            var stop = (int)Math.Min(message.Data.Length, to - message.Position);
            var slice = message.Data[start..stop];
            if (stream.IsJson)
            {
                if (messages.Count > 0 && slice.Length > budget.RemainingBytes)
                {
                    break;
                }
            }
            else if (slice.Length > budget.RemainingBytes)
            {
                slice = slice[..(int)Math.Max(1, budget.RemainingBytes)];
            }
            messages.Add(slice);
            budget.Spend(slice.Length);
            from = message.Position + start + slice.Length;
            ends.Add(from);
            if (budget.Exhausted)
            {
                break;
            }
        }
        return from;
    }

    private IReadOnlyList<StoredMessage> BatchAt(IStreamWriter w, StreamRecord stream, long position)
    {
        var owner = stream;
        while (owner.ForkSourceId is { } sourceId && position < owner.ForkPosition)
        {
            owner = w.FindById(sourceId) ?? throw new InvalidOperationException($"Fork source {sourceId} is missing.");
        }
        return w.BatchAt(owner.Id, position);
    }

    private static (IReadOnlyList<ReadOnlyMemory<byte>>? Messages, string? Error) SplitOrGiven(AppendRequest request) =>
        request.Messages is { Count: > 0 } given
            ? StreamContentType.IsJson(request.ContentType!) ? (given, null) : (null, "Ready-split messages are for JSON streams.")
            : Split(request.ContentType!, request.Body, allowEmptyArray: false);

    private static (IReadOnlyList<ReadOnlyMemory<byte>>? Messages, string? Error) Split(string contentType, ReadOnlyMemory<byte> body, bool allowEmptyArray)
    {
        if (!StreamContentType.IsJson(contentType))
        {
            return ([body.ToArray()], null);
        }
        var (messages, error) = JsonMessages.Split(body);
        if (messages is null)
        {
            return (null, error);
        }
        if (messages.Count == 0 && !allowEmptyArray)
        {
            return (null, "An empty JSON array appends nothing.");
        }
        return (messages, null);
    }

    private static List<StoredMessage> Place(IEnumerable<ReadOnlyMemory<byte>> data, long position)
    {
        var placed = new List<StoredMessage>();
        var batch = position;
        foreach (var item in data)
        {
            placed.Add(new StoredMessage(position, batch, item));
            position += item.Length;
        }
        return placed;
    }

    private static int CompareBytes(string a, string b) =>
        Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));

    private sealed class Budget(ReadLimits limits)
    {
        public long RemainingBytes { get; private set; } = limits.MaxBytes;
        public int RemainingMessages { get; private set; } = limits.MaxMessages;
        public bool Exhausted => RemainingBytes <= 0 || RemainingMessages <= 0;

        public void Spend(int bytes)
        {
            RemainingBytes -= bytes;
            RemainingMessages--;
        }
    }

    private sealed record AppendContext(DurableStreamEngine Engine, IStreamWriter Writer, StreamRecord Stream, IReadOnlyList<StoredMessage> Appended,
        List<string>? AlsoChanged) : IAppendContext
    {
        public StreamResult Append(AppendRequest request)
        {
            if (AlsoChanged is null)
            {
                throw new InvalidOperationException("Only the append a hook belongs to can append to another stream in its transaction.");
            }
            var result = Engine.AppendInTransaction(Writer, request);
            if (result.Status is StreamStatus.Ok || (result.Status is StreamStatus.NoContent && result.Appended.Count > 0) || result.Closed)
            {
                AlsoChanged.Add(request.Path);
            }
            return result;
        }

        public void AppendAtCommit(string path, ReadOnlyMemory<byte> message)
        {
            if (AlsoChanged is null)
            {
                throw new InvalidOperationException("Only the append a hook belongs to can append to another stream in its transaction.");
            }
            if (!Writer.TryAppendAtCommit(path, message))
            {
                var result = Engine.AppendInTransaction(Writer, new AppendRequest { Path = path, ContentType = StreamContentType.Json, Messages = [message] });
                if (result.Status is not (StreamStatus.Ok or StreamStatus.NoContent))
                {
                    throw new InvalidOperationException($"The append to {path} was refused: {result.Error}");
                }
            }
            AlsoChanged.Add(path);
        }
    }
}
