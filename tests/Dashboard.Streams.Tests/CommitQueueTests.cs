using Dashboard.Streams.Core;
using Dashboard.Streams.Storage;

namespace Dashboard.Streams.Tests;

/// <summary>
/// SQLite's group commit with a <see cref="CommitQueue{T}"/>: what the writes of one transaction hand to its end is
/// flushed together, once, before the commit; a write that fails takes its items with it; a flush that fails fails them all.
/// </summary>
public sealed class CommitQueueTests : IDisposable
{
    private readonly TempStore _temp = new();

    private SqliteStreamStore Store => (SqliteStreamStore)_temp.Store;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task TheItemsOfAGroupCommit_AreFlushedTogether_WithoutThoseOfAWriteThatFailed()
    {
        var flushed = new List<string[]>();
        var queue = Store.AddCommitQueue<string>((_, items) => flushed.Add([.. items]));

        // The first write holds the writer until two more wait, so that those two share the next transaction.
        using var firstRuns = new ManualResetEventSlim();
        var first = Task.Run(() => Store.Write(_ =>
        {
            queue.Add("a");
            firstRuns.Set();
            SpinWait.SpinUntil(() => Store.QueuedWrites == 2, TimeSpan.FromSeconds(30));
            return 1;
        }));
        Assert.True(firstRuns.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        var failing = Task.Run(() => Store.Write<int>(w =>
        {
            queue.Add("b");
            w.Insert(NewStream("/failing"));
            throw new InvalidOperationException("the work of this write fails");
        }));
        SpinWait.SpinUntil(() => Store.QueuedWrites == 1, TimeSpan.FromSeconds(30));
        var succeeding = Task.Run(() => Store.Write(w =>
        {
            queue.Add("c");
            queue.Add("d");
            w.Insert(NewStream("/succeeding"));
            return 3;
        }));

        Assert.Equal(1, await first);
        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        Assert.Equal(3, await succeeding);
        Assert.Equal([["a"], ["c", "d"]], flushed);
        Assert.Null(Store.Find("/failing"));
        Assert.NotNull(Store.Find("/succeeding"));

        // Nothing is carried over to the next transaction.
        Store.Write(_ => 0);
        Assert.Equal(2, flushed.Count);
    }

    [Fact]
    public void AFlushThatFails_FailsTheTransaction_AndNothingOfItIsStored()
    {
        var queue = Store.AddCommitQueue<string>((transaction, items) =>
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

    private StreamRecord NewStream(string path) => new()
    {
        Path = path,
        ContentType = StreamContentType.Json,
        CreatedAt = _temp.Time.GetUtcNow(),
    };
}
