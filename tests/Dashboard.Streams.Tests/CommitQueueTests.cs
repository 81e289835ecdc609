using Dashboard.Streams.Core;
using Dashboard.Streams.Storage;

namespace Dashboard.Streams.Tests;

/// <summary>
/// Group commit with a <see cref="CommitQueue{T}"/>, on both stores: what the writes of one transaction hand to its end
/// is flushed together, once, before the commit; a write that fails takes its items with it (and only its own write);
/// a flush that fails fails them all.
/// </summary>
public abstract class CommitQueueContract : IDisposable
{
    private TempStore? _store;

    private protected abstract TempStore NewStore();

    private TempStore Temp => _store ??= NewStore();

    private protected abstract CommitQueue<T> AddCommitQueue<T>(IStreamStore store, Action<System.Data.Common.DbTransaction, IReadOnlyList<T>> flush);

    private protected abstract int QueuedWrites(IStreamStore store);

    private protected IStreamStore Store => Temp.Store;

    public void Dispose()
    {
        _store?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>How many transactions the store runs at once (SQLite one; PostgreSQL several groups).</summary>
    private protected abstract int GroupsAtOnce { get; }

    /// <summary>
    /// Writes that take every transaction the store runs at once and hold them until <paramref name="waiting"/> more
    /// writes wait: those then share the next transaction.
    /// </summary>
    private protected List<Task<int>> HoldEveryTransactionUntil(CommitQueue<string> queue, int waiting)
    {
        var holders = new List<Task<int>>();
        for (var i = 0; i < GroupsAtOnce; i++)
        {
            using var running = new ManualResetEventSlim();
            holders.Add(OnOwnThread(() => Store.Write(_ =>
            {
                queue.Add("held");
                running.Set();
                SpinWait.SpinUntil(() => QueuedWrites(Store) == waiting, TimeSpan.FromSeconds(30));
                return 1;
            })));
            Assert.True(running.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        }
        return holders;
    }

    /// <summary>
    /// Blocking work on a thread of its own: the writers here wait inside the store (the holders up to 30 s), and on two
    /// cores a busy machine's thread pool took longer than that to add the threads for all of them, so the writes meant
    /// to queue behind the holders ran after the holders had given up.
    /// </summary>
    private static Task<T> OnOwnThread<T>(Func<T> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static void AssertFlushed(System.Collections.Concurrent.ConcurrentQueue<string[]> flushed, int held, params string[][] others)
    {
        Assert.Equal(held, flushed.Count(items => items is ["held"]));
        Assert.Equal(others, flushed.Where(items => items is not ["held"]).Select(items => items.Order(StringComparer.Ordinal).ToArray()));
    }

    [Fact]
    public async Task TheItemsOfAGroupCommit_AreFlushedTogether_WithoutThoseOfAWriteThatFailed()
    {
        var flushed = new System.Collections.Concurrent.ConcurrentQueue<string[]>();
        var queue = AddCommitQueue<string>(Store, (_, items) => flushed.Enqueue([.. items]));

        var holders = HoldEveryTransactionUntil(queue, waiting: 2);
        var failing = OnOwnThread(() => Store.Write<int>(w =>
        {
            queue.Add("b");
            w.Insert(NewStream("/failing"));
            throw new InvalidOperationException("the work of this write fails");
        }));
        Assert.True(SpinWait.SpinUntil(() => QueuedWrites(Store) == 1, TimeSpan.FromSeconds(30)));
        var succeeding = OnOwnThread(() => Store.Write(w =>
        {
            queue.Add("c");
            queue.Add("d");
            w.Insert(NewStream("/succeeding"));
            return 3;
        }));

        Assert.All(await Task.WhenAll(holders), result => Assert.Equal(1, result));
        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        Assert.Equal(3, await succeeding);
        AssertFlushed(flushed, GroupsAtOnce, ["c", "d"]);
        Assert.Null(Store.Find("/failing"));
        Assert.NotNull(Store.Find("/succeeding"));

        // Nothing is carried over to the next transaction.
        Store.Write(_ => 0);
        Assert.Equal(GroupsAtOnce + 1, flushed.Count);
    }

    [Fact]
    public async Task WritesThatArriveWhileTheStoreIsBusy_CommitTogether_AndTheirItemsAreFlushedOnce()
    {
        var flushed = new System.Collections.Concurrent.ConcurrentQueue<string[]>();
        var queue = AddCommitQueue<string>(Store, (_, items) => flushed.Enqueue([.. items]));

        var holders = HoldEveryTransactionUntil(queue, waiting: 3);
        var others = Enumerable.Range(1, 3).Select(i => OnOwnThread(() => Store.Write(w =>
        {
            queue.Add($"w{i}");
            w.Insert(NewStream($"/together-{i}"));
            return i;
        }))).ToList();

        await Task.WhenAll(holders);
        var results = await Task.WhenAll(others);
        Assert.Equal([1, 2, 3], results);
        AssertFlushed(flushed, GroupsAtOnce, ["w1", "w2", "w3"]);
        Assert.All(Enumerable.Range(1, 3), i => Assert.NotNull(Store.Find($"/together-{i}")));
    }

    [Fact]
    public async Task ManyWritersAtOnce_EachGetTheirOwnWorksResult_AndEveryItemIsFlushedOnce()
    {
        // One writer more than the transactions the store runs at once: places are now free for an arriving writer,
        // now handed on by a group that ended, and a writer handed one may already be in another's group. (With the
        // places handed on carelessly, a writer returned before its work was done about once in a thousand writes.)
        var writers = GroupsAtOnce + 1;
        const int Rounds = 1_000;
        var flushed = new System.Collections.Concurrent.ConcurrentBag<string>();
        var queue = AddCommitQueue<string>(Store, (_, items) =>
        {
            foreach (var item in items)
            {
                flushed.Add(item);
            }
        });

        var results = await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => OnOwnThread(() =>
        {
            var wrong = 0;
            for (var i = 0; i < Rounds; i++)
            {
                var mine = $"{writer}-{i}";
                if (Store.Write(w =>
                    {
                        queue.Add(mine);
                        // A read: work that waits for the database, as every real write's does.
                        w.Find($"/{mine}");
                        return mine;
                    }) != mine)
                {
                    wrong++;
                }
            }
            return wrong;
        })));

        Assert.All(results, wrong => Assert.Equal(0, wrong));
        Assert.Equal(writers * Rounds, flushed.Count);
        Assert.Equal(writers * Rounds, flushed.Distinct().Count());
    }

    [Fact]
    public async Task WritersThatAwait_AndWritersThatBlock_InterleavedAtOnce_EachGetTheirOwnWorksResult()
    {
        // Ingestion awaits its turn (WriteAsync) while the streams' own endpoints and the service's other writes block
        // (Write): in one group both kinds must be woken, lead in turn and get their own result.
        const int Rounds = 300;
        var flushed = new System.Collections.Concurrent.ConcurrentBag<string>();
        var queue = AddCommitQueue<string>(Store, (_, items) =>
        {
            foreach (var item in items)
            {
                flushed.Add(item);
            }
        });
        string Work(IStreamWriter w, string mine)
        {
            queue.Add(mine);
            w.Find($"/{mine}");
            return mine;
        }

        var awaiting = Enumerable.Range(0, GroupsAtOnce + 2).Select(writer => Task.Run(async () =>
        {
            var wrong = 0;
            for (var i = 0; i < Rounds; i++)
            {
                var mine = $"a{writer}-{i}";
                wrong += await Store.WriteAsync(w => Work(w, mine)) == mine ? 0 : 1;
            }
            return wrong;
        }));
        var blocking = Enumerable.Range(0, GroupsAtOnce + 1).Select(writer => OnOwnThread(() =>
        {
            var wrong = 0;
            for (var i = 0; i < Rounds; i++)
            {
                var mine = $"b{writer}-{i}";
                wrong += Store.Write(w => Work(w, mine)) == mine ? 0 : 1;
            }
            return wrong;
        }));

        var results = await Task.WhenAll(awaiting.Concat(blocking));
        Assert.All(results, wrong => Assert.Equal(0, wrong));
        var writes = (2 * GroupsAtOnce + 3) * Rounds;
        Assert.Equal(writes, flushed.Count);
        Assert.Equal(writes, flushed.Distinct().Count());
    }

    [Fact]
    public void AReadInAWriteTransaction_SeesTheWritesMadeBeforeIt()
    {
        var created = Store.Write(w => w.Insert(NewStream("/seen")));

        var (tail, producer) = Store.Write(w =>
        {
            // PostgreSQL queues these and sends them with the next read: that read must come after them.
            w.Update(w.Find("/seen")! with { Tail = 42 });
            w.SetProducer(created.Id, new ProducerState("p", 3, 7));
            return (w.FindById(created.Id)!.Tail, w.GetProducer(created.Id, "p"));
        });

        Assert.Equal(42, tail);
        Assert.Equal(new ProducerState("p", 3, 7), producer);
        Assert.Equal(42, Store.Find("/seen")!.Tail);
    }

    [Fact]
    public void AFlushThatFails_FailsTheTransaction_AndNothingOfItIsStored()
    {
        var queue = AddCommitQueue<string>(Store, (transaction, items) =>
        {
            if (items.Contains("boom"))
            {
                throw new InvalidOperationException("the flush fails");
            }
        });

        Assert.Throws<InvalidOperationException>(() => Store.Write(w =>
        {
            w.Insert(NewStream("/lost"));
            queue.Add("boom");
            return 0;
        }));
        Assert.Null(Store.Find("/lost"));

        Store.Write(w =>
        {
            w.Insert(NewStream("/kept"));
            queue.Add("fine");
            return 0;
        });
        Assert.NotNull(Store.Find("/kept"));
    }

    [Fact]
    public async Task WritesThatAwait_GiveBackTheirThreadWhileTheStoreIsBusy_AndCommitTogetherAfter()
    {
        var flushed = new System.Collections.Concurrent.ConcurrentQueue<string[]>();
        var queue = AddCommitQueue<string>(Store, (_, items) => flushed.Enqueue([.. items]));
        const int Waiting = 50;

        var holders = HoldEveryTransactionUntil(queue, waiting: Waiting);
        // All from this one thread: a write that held its thread while it waited would stop the loop at its first turn.
        var writes = new List<Task<int>>();
        for (var i = 0; i < Waiting; i++)
        {
            var n = i;
            writes.Add(Store.WriteAsync(w =>
            {
                queue.Add($"w{n}");
                w.Insert(NewStream($"/awaited-{n}"));
                return n;
            }));
        }
        Assert.DoesNotContain(writes, write => write.IsCompleted);

        Assert.All(await Task.WhenAll(holders), result => Assert.Equal(1, result));
        Assert.Equal(Enumerable.Range(0, Waiting), await Task.WhenAll(writes));
        // All queued before a place came free: the first caller given one leads them all, in one transaction.
        AssertFlushed(flushed, GroupsAtOnce, [.. Enumerable.Range(0, Waiting).Select(n => $"w{n}").Order(StringComparer.Ordinal)]);
        Assert.All(Enumerable.Range(0, Waiting), n => Assert.NotNull(Store.Find($"/awaited-{n}")));
    }

    [Fact]
    public async Task AppendsAtCommit_OfAGroupCommit_AreEachTheirOwnAppend_InOrder_WithoutThoseOfAWriteThatFailed()
    {
        // The runs feed's way: every ingesting write of a group hands its entry to the commit, which places them all at
        // the feed's tail at once. The entry of a write whose work failed must not be among them.
        Temp.Engine.Create(new CreateStreamRequest { Path = "/feed", ContentType = StreamContentType.Json });
        var queue = AddCommitQueue<string>(Store, (_, _) => { });
        static byte[] Entry(int n) => System.Text.Encoding.UTF8.GetBytes($$"""{"w":{{n}}}""");

        var holders = HoldEveryTransactionUntil(queue, waiting: 3);
        var first = OnOwnThread(() => Store.Write(w => w.TryAppendAtCommit("/feed", Entry(1))));
        Assert.True(SpinWait.SpinUntil(() => QueuedWrites(Store) == 1, TimeSpan.FromSeconds(30)));
        var failing = OnOwnThread<bool>(() => Store.Write<bool>(w =>
        {
            w.TryAppendAtCommit("/feed", Entry(2));
            throw new InvalidOperationException("the work of this write fails after its entry");
        }));
        Assert.True(SpinWait.SpinUntil(() => QueuedWrites(Store) == 2, TimeSpan.FromSeconds(30)));
        var third = OnOwnThread(() => Store.Write(w => w.TryAppendAtCommit("/feed", Entry(3))));

        await Task.WhenAll(holders);
        Assert.True(await first);
        Assert.True(await third);
        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);

        var read = Temp.Engine.Read("/feed", StreamOffset.Zero, new ReadLimits(long.MaxValue, int.MaxValue));
        Assert.Equal("""[{"w":1},{"w":3}]""", System.Text.Encoding.UTF8.GetString(read.Body()));
        var feed = Store.Find("/feed")!;
        Assert.Equal(Entry(1).Length + Entry(3).Length, feed.Tail);
        // Each entry an append of its own: the last append starts where the second entry does.
        Assert.Equal(Entry(1).Length, Store.StartOfLastAppends(feed.Id, 1));
    }

    private protected StreamRecord NewStream(string path) => new()
    {
        Path = path,
        ContentType = StreamContentType.Json,
        CreatedAt = Temp.Time.GetUtcNow(),
    };
}

public sealed class SqliteCommitQueueTests : CommitQueueContract
{
    private protected override TempStore NewStore() => new();

    private protected override CommitQueue<T> AddCommitQueue<T>(IStreamStore store, Action<System.Data.Common.DbTransaction, IReadOnlyList<T>> flush) =>
        ((SqliteStreamStore)store).AddCommitQueue(flush);

    private protected override int QueuedWrites(IStreamStore store) => ((SqliteStreamStore)store).QueuedWrites;

    private protected override int GroupsAtOnce => 1;
}

public sealed class PostgreSqlCommitQueueTests(PostgresFixture postgres) : CommitQueueContract, IClassFixture<PostgresFixture>
{
    private protected override TempStore NewStore() => new(postgresConnectionString: postgres.NewDatabase());

    private protected override CommitQueue<T> AddCommitQueue<T>(IStreamStore store, Action<System.Data.Common.DbTransaction, IReadOnlyList<T>> flush) =>
        ((PostgreSqlStreamStore)store).AddCommitQueue(flush);

    private protected override int QueuedWrites(IStreamStore store) => ((PostgreSqlStreamStore)store).QueuedWrites;

    private protected override int GroupsAtOnce => PostgreSqlStreamStore.MaxGroupsAtOnce;
}
