using System.Text;
using Dashboard.Streams.Core;

namespace Dashboard.Streams.Tests;

/// <summary>
/// The stream engine's rules over a real store: one contract, run against SQLite (<see cref="DurableStreamEngineTests"/>)
/// and PostgreSQL (<see cref="PostgreSqlStreamEngineTests"/>).
/// </summary>
public abstract class StreamEngineContract : IDisposable
{
    private TempStore? _store;

    private protected TempStore Temp => _store ??= NewStore();

    private TempStore _temp => Temp;

    /// <summary>A fresh, empty store of the provider under test, on <paramref name="time"/>.</summary>
    private protected abstract TempStore NewStore(TimeProvider? time = null);

    private DurableStreamEngine Engine => _temp.Engine;

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private StreamResult CreateJson(string path, string? body = null) =>
        Engine.Create(new CreateStreamRequest { Path = path, ContentType = "application/json", Body = body is null ? default : Utf8(body) });

    private StreamResult AppendJson(string path, string body, ProducerClaim? producer = null, Action<IAppendContext>? hook = null) =>
        Engine.Append(new AppendRequest { Path = path, ContentType = "application/json", Body = Utf8(body), Producer = producer, InTransaction = hook });

    private string ReadAll(string path) => Encoding.UTF8.GetString(Engine.Read(path, StreamOffset.Zero).Body());

    [Fact]
    public void Offsets_AreFixedWidthSortableAndRoundTrip()
    {
        var small = new StreamOffset(9);
        var large = new StreamOffset(10);
        Assert.Equal("0000000000000000_0000000000000009", small.ToString());
        Assert.True(string.CompareOrdinal(small.ToString(), large.ToString()) < 0);
        Assert.True(StreamOffset.TryParse(large.ToString(), out var parsed));
        Assert.Equal(large, parsed);
        foreach (var bad in new[] { "", "-1", "now", "0_1", "0000000000000000_000000000000000a", "0000000000000000,0000000000000001", " 0000000000000000_0000000000000001" })
        {
            Assert.False(StreamOffset.TryParse(bad, out _), bad);
        }
    }

    [Fact]
    public void JsonStream_FlattensOneLevel_AndReadsBackAsAnArray()
    {
        CreateJson("/s", """[{"type":"run_started"}]""");
        AppendJson("/s", """[{"a":1},[2,3]]""");
        AppendJson("/s", """{"single":true}""");

        Assert.Equal("""[{"type":"run_started"},{"a":1},[2,3],{"single":true}]""", ReadAll("/s"));
    }

    [Fact]
    public void Read_PaginatesAtMessageBoundaries_AndResumesWithoutGapOrRepeat()
    {
        CreateJson("/s");
        for (var i = 0; i < 25; i++)
        {
            AppendJson("/s", $$"""{"n":{{i}}}""");
        }
        var seen = new List<string>();
        var offset = StreamOffset.Zero;
        StreamRead page;
        do
        {
            page = Engine.Read("/s", offset, new ReadLimits(MaxMessages: 10));
            seen.AddRange(page.Messages.Select(m => Encoding.UTF8.GetString(m.Span)));
            offset = page.Next;
        }
        while (!page.UpToDate);

        Assert.Equal(Enumerable.Range(0, 25).Select(i => $$"""{"n":{{i}}}"""), seen);
    }

    [Fact]
    public void Read_Until_StopsAtThatOffset_AndSaysTheStreamGoesOn()
    {
        CreateJson("/s");
        var ends = new List<StreamOffset>();
        for (var i = 0; i < 6; i++)
        {
            ends.Add(AppendJson("/s", $$"""{"n":{{i}}}""").NextOffset!.Value);
        }

        var part = Engine.Read("/s", ends[1], until: ends[3]);

        Assert.Equal(["""{"n":2}""", """{"n":3}"""], part.Messages.Select(m => Encoding.UTF8.GetString(m.Span)));
        Assert.Equal(ends[3], part.Next);
        Assert.False(part.UpToDate);
        // A bound past the tail is the tail; one before the start reads nothing.
        Assert.Equal(4, Engine.Read("/s", ends[1], until: new StreamOffset(ends[5].Position + 1000)).Messages.Count);
        Assert.Empty(Engine.Read("/s", ends[3], until: ends[1]).Messages);
    }

    [Fact]
    public void Reopen_KeepsDataAndContinuesOffsets()
    {
        CreateJson("/s", """[{"n":1}]""");
        var before = AppendJson("/s", """{"n":2}""").NextOffset!.Value;

        _temp.Reopen();
        var after = AppendJson("/s", """{"n":3}""").NextOffset!.Value;

        Assert.True(after > before);
        Assert.Equal("""[{"n":1},{"n":2},{"n":3}]""", ReadAll("/s"));
    }

    [Fact]
    public async Task ConcurrentAppends_ThatShareATransaction_FailAlone()
    {
        // Sixteen writers at once: appends that arrive together are committed together (a group whose write fails is
        // run again a write at a time), so a failing one (its hook throws, as ingestion's projection write could) must take
        // nothing else with it.
        for (var w = 0; w < 16; w++)
        {
            CreateJson($"/w{w}");
        }
        var refused = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                var fails = (w + i) % 7 == 0;
                try
                {
                    var result = AppendJson($"/w{w}", $$"""{"w":{{w}},"i":{{i}}}""", hook: fails ? _ => throw new InvalidOperationException("projection failed") : null);
                    Assert.False(fails);
                    Assert.Equal(StreamStatus.NoContent, result.Status);
                }
                catch (InvalidOperationException ex) when (ex.Message == "projection failed")
                {
                    Interlocked.Increment(ref refused);
                }
            }
        }, TestContext.Current.CancellationToken)));

        Assert.Equal(Enumerable.Range(0, 16).Sum(w => Enumerable.Range(0, 100).Count(i => (w + i) % 7 == 0)), refused);
        for (var w = 0; w < 16; w++)
        {
            var expected = Enumerable.Range(0, 100).Where(i => (w + i) % 7 != 0).Select(i => $$"""{"w":{{w}},"i":{{i}}}""");
            Assert.Equal("[" + string.Join(",", expected) + "]", ReadAll($"/w{w}"));
        }
        // Offsets stayed contiguous: the tail is exactly the bytes kept.
        var tail = Engine.Head("/w0").NextOffset!.Value;
        Assert.Equal(Engine.Read("/w0", StreamOffset.Zero).Next, tail);
    }

    [Fact]
    public void Producer_DuplicateAfterRestart_IsStillRecognised()
    {
        CreateJson("/s");
        var producer = new ProducerClaim("engine-1", 0, 0);
        Assert.Equal(StreamStatus.Ok, AppendJson("/s", """{"n":1}""", producer).Status);

        _temp.Reopen();
        var resent = AppendJson("/s", """{"n":1}""", producer);

        Assert.Equal(StreamStatus.NoContent, resent.Status);
        Assert.Empty(resent.Appended);
        Assert.Equal("""[{"n":1}]""", ReadAll("/s"));
    }

    [Fact]
    public void Producer_GapAndStaleEpoch_AreRefusedWithTheExpectedNumbers()
    {
        CreateJson("/s");
        AppendJson("/s", "1", new ProducerClaim("p", 3, 0));

        var gap = AppendJson("/s", "2", new ProducerClaim("p", 3, 5));
        var stale = AppendJson("/s", "3", new ProducerClaim("p", 2, 1));

        Assert.Equal((StreamStatus.Conflict, 1L, 5L), (gap.Status, gap.ProducerExpectedSeq!.Value, gap.ProducerReceivedSeq!.Value));
        Assert.Equal((StreamStatus.Forbidden, 3L), (stale.Status, stale.ProducerEpoch!.Value));
        Assert.Equal("[1]", ReadAll("/s"));
    }

    [Fact]
    public void InTransactionHook_ThatThrows_LeavesNothingAppended()
    {
        CreateJson("/s", "[1]");

        Assert.Throws<InvalidOperationException>(() => AppendJson("/s", "[2,3]", new ProducerClaim("p", 0, 0), _ => throw new InvalidOperationException("projection refused")));

        Assert.Equal("[1]", ReadAll("/s"));
        // The producer's sequence was not consumed either: the same batch can be sent again.
        Assert.Equal(StreamStatus.Ok, AppendJson("/s", "[2,3]", new ProducerClaim("p", 0, 0)).Status);
        Assert.Equal("[1,2,3]", ReadAll("/s"));
    }

    [Fact]
    public void InTransactionHook_SeesWhereEachMessageLanded()
    {
        CreateJson("/s", "[0]");
        IReadOnlyList<StoredMessage>? appended = null;

        var result = AppendJson("/s", """[{"a":1},{"b":2}]""", hook: context => appended = context.Appended);

        Assert.NotNull(appended);
        Assert.Equal(2, appended.Count);
        Assert.Equal(result.NextOffset!.Value.Position, appended[^1].End);
        Assert.Equal(appended[0].End, appended[1].Position);
    }

    [Fact]
    public void InTransactionHook_AppendsToAnotherStream_BothOrNeither()
    {
        CreateJson("/run", "[0]");
        CreateJson("/feed");

        Assert.Throws<InvalidOperationException>(() => AppendJson("/run", "[1]", hook: context =>
        {
            Assert.Equal(StreamStatus.NoContent, context.Append(new AppendRequest { Path = "/feed", ContentType = "application/json", Body = Utf8("""{"run":1}""") }).Status);
            throw new InvalidOperationException("refused after the feed entry");
        }));
        Assert.Equal("[0]", ReadAll("/run"));
        Assert.Equal("[]", ReadAll("/feed"));

        AppendJson("/run", "[2]", hook: context =>
            context.Append(new AppendRequest { Path = "/feed", ContentType = "application/json", Body = Utf8($$"""{"run":2,"at":"{{context.Stream.TailOffset}}"}""") }));
        Assert.Equal("[0,2]", ReadAll("/run"));
        Assert.Equal($$"""[{"run":2,"at":"{{Engine.Head("/run").NextOffset}}"}]""", ReadAll("/feed"));
    }

    [Fact]
    public async Task AppendsAtCommit_FromManyWritersAtOnce_AreEachStoredOnce_AtContiguousOffsets()
    {
        // The feed's way: every transaction appends one entry, placed at the feed's tail when it commits (both stores move
        // the tail once for a group's entries, just before the commit). A transaction that fails after its entry leaves
        // none; ordinary appends interleave.
        for (var w = 0; w < 8; w++)
        {
            CreateJson($"/run{w}");
        }
        CreateJson("/feed");
        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 40; i++)
            {
                var fails = i % 10 == 3;
                try
                {
                    AppendJson($"/run{w}", $"[{i}]", hook: context =>
                    {
                        context.AppendAtCommit("/feed", Utf8($$"""{"w":{{w}},"i":{{i}}}"""));
                        if (fails)
                        {
                            throw new InvalidOperationException("refused after the feed entry");
                        }
                    });
                    Assert.False(fails);
                }
                catch (InvalidOperationException) when (fails)
                {
                }
                if (w == 0 && i % 8 == 0)
                {
                    AppendJson("/feed", $$"""{"plain":{{i}}}""");
                }
            }
        }, TestContext.Current.CancellationToken)));

        var entries = System.Text.Json.JsonDocument.Parse(ReadAll("/feed")).RootElement.EnumerateArray().Select(e => e.GetRawText()).ToList();
        var expected = Enumerable.Range(0, 8).SelectMany(w => Enumerable.Range(0, 40).Where(i => i % 10 != 3).Select(i => $$"""{"w":{{w}},"i":{{i}}}"""))
            .Concat(Enumerable.Range(0, 40).Where(i => i % 8 == 0).Select(i => $$"""{"plain":{{i}}}"""));
        Assert.Equal(expected.Order(StringComparer.Ordinal), entries.Order(StringComparer.Ordinal));
        // Each writer's entries in its own order, and the tail exactly the bytes kept.
        for (var w = 0; w < 8; w++)
        {
            var mine = entries.Where(e => e.StartsWith($$"""{"w":{{w}},""", StringComparison.Ordinal)).ToList();
            Assert.Equal(Enumerable.Range(0, 40).Where(i => i % 10 != 3).Select(i => $$"""{"w":{{w}},"i":{{i}}}"""), mine);
        }
        Assert.Equal(Engine.Read("/feed", StreamOffset.Zero, new ReadLimits(long.MaxValue, int.MaxValue)).Next, Engine.Head("/feed").NextOffset!.Value);
        // Read from an offset in the middle: the rest, without gap or repeat.
        var middle = Engine.Read("/feed", StreamOffset.Zero, new ReadLimits(long.MaxValue, 100));
        var rest = Engine.Read("/feed", middle.Next, new ReadLimits(long.MaxValue, int.MaxValue));
        Assert.Equal(entries.Count, 100 + System.Text.Json.JsonDocument.Parse(rest.Body()).RootElement.GetArrayLength());
    }

    [Fact]
    public void AnAppendAtCommit_ToAStreamThatIsNotThere_FailsTheWholeTransaction()
    {
        CreateJson("/run", "[0]");

        Assert.ThrowsAny<Exception>(() => AppendJson("/run", "[1]", hook: context => context.AppendAtCommit("/nowhere", Utf8("{}"))));

        Assert.Equal("[0]", ReadAll("/run"));
    }

    [Fact]
    public async Task InTransactionHook_AppendToAnotherStream_WakesItsReadersAfterTheCommit()
    {
        CreateJson("/run");
        CreateJson("/feed");
        var tail = Engine.Head("/feed").NextOffset!.Value;
        var waiting = Engine.WaitAsync("/feed", tail, TimeSpan.FromSeconds(30), null, TestContext.Current.CancellationToken);

        AppendJson("/run", "[1]", hook: context => context.Append(new AppendRequest { Path = "/feed", ContentType = "application/json", Body = Utf8("[\"one\"]") }));

        // Woken by the append, not by the 30-second time-out, and reading what the transaction committed.
        var read = await waiting.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal("[\"one\"]", Encoding.UTF8.GetString(read.Body()));
    }

    [Fact]
    public void ReadySplitMessages_AreStoredAsGiven_OnJsonStreamsOnly()
    {
        CreateJson("/s", "[0]");
        Engine.Create(new CreateStreamRequest { Path = "/t", ContentType = "text/plain" });

        var appended = Engine.Append(new AppendRequest { Path = "/s", ContentType = "application/json", Messages = [Utf8("""{"a":1}"""), Utf8("[2,3]")] });
        var text = Engine.Append(new AppendRequest { Path = "/t", ContentType = "text/plain", Messages = [Utf8("x")] });

        Assert.Equal(StreamStatus.NoContent, appended.Status);
        Assert.Equal("""[0,{"a":1},[2,3]]""", ReadAll("/s"));
        Assert.Equal(StreamStatus.BadRequest, text.Status);
    }

    [Theory]
    [InlineData(null, 0L, 0L, ProducerVerdictKind.Accepted)]
    [InlineData(null, 0L, 1L, ProducerVerdictKind.SequenceGap)]
    [InlineData(null, 3L, 0L, ProducerVerdictKind.Accepted)]
    [InlineData("2:5", 2L, 6L, ProducerVerdictKind.Accepted)]
    [InlineData("2:5", 2L, 5L, ProducerVerdictKind.Duplicate)]
    [InlineData("2:5", 2L, 0L, ProducerVerdictKind.Duplicate)]
    [InlineData("2:5", 2L, 8L, ProducerVerdictKind.SequenceGap)]
    [InlineData("2:5", 1L, 9L, ProducerVerdictKind.StaleEpoch)]
    [InlineData("2:5", 3L, 0L, ProducerVerdictKind.Accepted)]
    [InlineData("2:5", 3L, 1L, ProducerVerdictKind.NewEpochNotAtZero)]
    public void ProducerVerdict_FollowsTheProtocolsRules(string? known, long epoch, long seq, ProducerVerdictKind expected)
    {
        var state = known?.Split(':') is [var e, var s] ? new ProducerState("p", long.Parse(e, System.Globalization.CultureInfo.InvariantCulture), long.Parse(s, System.Globalization.CultureInfo.InvariantCulture)) : null;

        var verdict = ProducerVerdict.Of(new ProducerClaim("p", epoch, seq), state);

        Assert.Equal(expected, verdict.Kind);
        if (expected == ProducerVerdictKind.SequenceGap)
        {
            Assert.Equal((state is null ? 0 : state.LastSeq + 1, seq), (verdict.ExpectedSeq, verdict.ReceivedSeq));
        }
    }

    [Fact]
    public void ExpectedTail_AppendsOnlyWhereTheWriterLastRead()
    {
        CreateJson("/s", """[{"n":1}]""");
        var tail = Engine.Head("/s").NextOffset!.Value;
        AppendJson("/s", """{"n":2}"""); // another writer got there first

        var stale = Engine.Append(new AppendRequest { Path = "/s", ContentType = "application/json", Body = Utf8("""{"n":3}"""), ExpectedTail = tail });
        var current = Engine.Append(new AppendRequest
        {
            Path = "/s", ContentType = "application/json", Body = Utf8("""{"n":4}"""), ExpectedTail = Engine.Head("/s").NextOffset,
        });

        Assert.Equal((StreamStatus.Conflict, true), (stale.Status, stale.TailMoved));
        Assert.False(current.TailMoved);
        Assert.Equal("""[{"n":1},{"n":2},{"n":4}]""", ReadAll("/s"));
    }

    [Fact]
    public void Close_RefusesFurtherAppends_ButKeepsData()
    {
        CreateJson("/s", "[1]");
        var closed = Engine.Append(new AppendRequest { Path = "/s", ContentType = "application/json", Body = Utf8("[2]"), Close = true });
        var after = AppendJson("/s", "[3]");

        Assert.True(closed.Closed);
        Assert.Equal(StreamStatus.Conflict, after.Status);
        var read = Engine.Read("/s", StreamOffset.Zero);
        Assert.True(read.Closed);
        Assert.Equal("[1,2]", Encoding.UTF8.GetString(read.Body()));
    }

    [Fact]
    public void Fork_ReadsInheritedDataThenItsOwn_AndSurvivesSourceDeletion()
    {
        CreateJson("/src", "[1,2]");
        Assert.Equal(StreamStatus.Created, Engine.Create(new CreateStreamRequest { Path = "/fork", ForkedFrom = "/src" }).Status);
        AppendJson("/src", "[3]");
        AppendJson("/fork", "[4]");

        Assert.Equal(StreamStatus.NoContent, Engine.Delete("/src").Status);

        Assert.Equal(StreamStatus.Gone, Engine.Head("/src").Status);
        Assert.Equal("[1,2,4]", ReadAll("/fork"));
        Assert.Equal(StreamStatus.NoContent, Engine.Delete("/fork").Status);
        Assert.Equal(StreamStatus.NotFound, Engine.Head("/src").Status);
    }

    /// <summary>Whether the store reads a stream's own messages with its record (<see cref="Storage.IStreamStore.FindAndRead"/>).</summary>
    private protected virtual bool ReadsWithRecord => false;

    [Fact]
    public void FindAndRead_GivesTheRecordAndWhatReadOwnGives_FromEveryPlace_WithinEveryBudget()
    {
        CreateJson("/src", "[1,2]");
        AppendJson("/src", """[{"a":"three"},{"b":4},{"c":[5,5]}]""");
        Assert.Equal(StreamStatus.Created, Engine.Create(new CreateStreamRequest { Path = "/fork", ForkedFrom = "/src" }).Status);
        AppendJson("/src", "[6]");
        AppendJson("/fork", """[{"own":7},{"own":8}]""");
        AppendJson("/fork", "[9]");
        var store = Temp.Store;

        var missing = store.FindAndRead("/nope", 0, 1024, 10);
        Assert.Null(missing.Stream);
        Assert.Null(missing.Own);
        var prefetchedSomewhere = false;
        foreach (var path in new[] { "/src", "/fork" })
        {
            var stream = store.Find(path)!;
            var read = Engine.Read(path, StreamOffset.Zero);
            // Every message boundary (inside an append too), and past the tail.
            var places = read.MessageEnds.Prepend(0).Append(stream.Tail + 5).ToList();
            foreach (var from in places)
            {
                foreach (var (bytes, count) in new[] { (1024L * 1024, 10_000), (1L, 10_000), (12L, 10_000), (1024L, 2), (1024L, 1) })
                {
                    var (found, own) = store.FindAndRead(path, from, bytes, count);
                    Assert.Equal(stream, found);
                    var inherited = stream.ForkSourceId is not null && from < stream.ForkPosition;
                    if (from >= stream.Tail || inherited)
                    {
                        Assert.Null(own);
                        continue;
                    }
                    if (own is null)
                    {
                        Assert.False(ReadsWithRecord, $"{path} from {from}: not read with the record");
                        continue;
                    }
                    prefetchedSomewhere = true;
                    var expected = store.ReadOwn(stream.Id, from, stream.Tail, bytes, count);
                    Assert.Equal(Describe(expected), Describe(own));
                }
            }
        }
        Assert.Equal(ReadsWithRecord, prefetchedSomewhere);

        static List<string> Describe(IReadOnlyList<StoredMessage> messages) =>
            messages.Select(m => $"{m.Position}/{m.BatchPosition}:{Encoding.UTF8.GetString(m.Data.Span)}").ToList();
    }

    [Fact]
    public void Ttl_ExpiresAfterIdleTime_AndReadsRenewIt()
    {
        var clock = new ManualTime(DateTimeOffset.UtcNow);
        using var temp = NewStore(clock);
        temp.Engine.Create(new CreateStreamRequest { Path = "/s", ContentType = "text/plain", TtlSeconds = 10 });

        clock.Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(StreamStatus.Ok, temp.Engine.Read("/s", StreamOffset.Zero).Status);
        clock.Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(StreamStatus.Ok, temp.Engine.Head("/s").Status);
        clock.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(["/s"], temp.Engine.ExpireDue());
        Assert.Equal(StreamStatus.NotFound, temp.Engine.Head("/s").Status);
    }

    [Fact]
    public async Task Wait_ReturnsWhenDataArrives()
    {
        CreateJson("/s", "[1]");
        var tail = Engine.Head("/s").NextOffset;

        var waiting = Engine.WaitAsync("/s", tail, TimeSpan.FromSeconds(30), null, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);
        AppendJson("/s", "[2]");
        var read = await waiting.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal("[2]", Encoding.UTF8.GetString(read.Body()));
    }

    [Fact]
    public async Task Wait_TimesOutWithAnEmptyUpToDateRead()
    {
        CreateJson("/s");
        var read = await Engine.WaitAsync("/s", StreamOffset.Zero, TimeSpan.FromMilliseconds(100), null, TestContext.Current.CancellationToken);
        Assert.False(read.HasData);
        Assert.True(read.UpToDate);
    }

    [Fact]
    public async Task TwoHundredWaiters_AllWakeOnOneAppend()
    {
        CreateJson("/s");
        var waiters = Enumerable.Range(0, 200)
            .Select(_ => Engine.WaitAsync("/s", StreamOffset.Zero, TimeSpan.FromSeconds(30), null, TestContext.Current.CancellationToken))
            .ToList();

        AppendJson("/s", """{"wake":true}""");
        var reads = await Task.WhenAll(waiters).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        Assert.All(reads, read => Assert.Equal("""[{"wake":true}]""", Encoding.UTF8.GetString(read.Body())));
    }

    public void Dispose()
    {
        _store?.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The contract on the embedded store, and what only SQLite has (its write-ahead log).</summary>
public sealed class DurableStreamEngineTests : StreamEngineContract
{
    private TempStore _temp => Temp;

    private DurableStreamEngine Engine => _temp.Engine;

    private protected override TempStore NewStore(TimeProvider? time = null) => new(time);

    private StreamResult CreateJson(string path, string? body = null) =>
        Engine.Create(new CreateStreamRequest { Path = path, ContentType = "application/json", Body = body is null ? default : Encoding.UTF8.GetBytes(body) });

    private StreamResult AppendJson(string path, string body) =>
        Engine.Append(new AppendRequest { Path = path, ContentType = "application/json", Body = Encoding.UTF8.GetBytes(body) });

    [Fact]
    public async Task AppendedData_IsCheckpointedIntoTheDatabase_InTheBackground()
    {
        // 4 MB in 1,000 appends stays far below the writer's own automatic checkpoint (64 MB), so only the background
        // checkpointer can move it from the log into the database file; a log that is never copied back grows forever.
        CreateJson("/s");
        var before = new FileInfo(_temp.DatabasePath).Length;
        var payload = new string('x', 4_000);
        for (var i = 0; i < 1_000; i++)
        {
            AppendJson("/s", $$"""{"n":{{i}},"pad":"{{payload}}"}""");
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (new FileInfo(_temp.DatabasePath).Length < before + 4_000_000 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.True(new FileInfo(_temp.DatabasePath).Length >= before + 4_000_000, "the log was not checkpointed into the database");
        var count = 0;
        var offset = StreamOffset.Zero;
        StreamRead page;
        do
        {
            page = Engine.Read("/s", offset);
            count += page.Messages.Count;
            offset = page.Next;
        }
        while (!page.UpToDate);
        Assert.Equal(1_000, count);
    }

}

/// <summary>The same contract on PostgreSQL, one fresh database per test on a server the tests start.</summary>
public sealed class PostgreSqlStreamEngineTests(PostgresFixture postgres) : StreamEngineContract, IClassFixture<PostgresFixture>
{
    private protected override TempStore NewStore(TimeProvider? time = null) => new(time, postgres.NewDatabase());

    private protected override bool ReadsWithRecord => true;
}
