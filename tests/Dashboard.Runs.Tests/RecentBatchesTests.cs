using Dashboard.Model.Events;
using Dashboard.Runs.Search;
using Dashboard.Streams.Core;

namespace Dashboard.Runs.Tests;

/// <summary>
/// The batches ingestion hands the search indexer: a batch is found only for the exact place it was stored at, once,
/// and memory stays bounded when the indexer falls behind (it then reads the stream, as <see cref="SearchTests"/> cover).
/// </summary>
public sealed class RecentBatchesTests
{
    private static readonly RunEvent[] Events = [new RunStarted { WorkflowId = "wf", Timestamp = DateTimeOffset.UnixEpoch }];

    [Fact]
    public void ABatch_IsTakenOnce_ForTheExactPlaceItWasStoredAt()
    {
        var recent = new RecentBatches();
        recent.Add("run-1", new StreamOffset(0), new StreamOffset(100), Events, bytes: 100);

        Assert.Null(recent.Take("run-2", new StreamOffset(0), new StreamOffset(100)));
        Assert.Null(recent.Take("run-1", new StreamOffset(0), new StreamOffset(99)));
        Assert.Null(recent.Take("run-1", new StreamOffset(1), new StreamOffset(100)));
        Assert.Same(Events, recent.Take("run-1", new StreamOffset(0), new StreamOffset(100)));
        Assert.Null(recent.Take("run-1", new StreamOffset(0), new StreamOffset(100)));
    }

    [Fact]
    public void PastItsBytes_TheOldestBatchesGo()
    {
        var recent = new RecentBatches(capacityBytes: 1_000);
        for (var i = 0; i < 5; i++)
        {
            recent.Add($"run-{i}", new StreamOffset(0), new StreamOffset(10), Events, bytes: 240);
        }

        Assert.Null(recent.Take("run-0", new StreamOffset(0), new StreamOffset(10)));
        Assert.All(Enumerable.Range(1, 4), i => Assert.NotNull(recent.Take($"run-{i}", new StreamOffset(0), new StreamOffset(10))));
    }

    [Fact]
    public void PastItsCount_TheOldestBatchesGo_EvenWhenOthersWereTaken()
    {
        var recent = new RecentBatches(capacityBatches: 3);
        // Never taken (the indexer read it from the stream before it was added): it must not stay for ever.
        recent.Add("never-taken", new StreamOffset(0), new StreamOffset(10), Events, bytes: 1);
        for (var i = 0; i < 10; i++)
        {
            recent.Add($"run-{i}", new StreamOffset(0), new StreamOffset(10), Events, bytes: 1);
            Assert.NotNull(recent.Take($"run-{i}", new StreamOffset(0), new StreamOffset(10)));
        }

        Assert.Null(recent.Take("never-taken", new StreamOffset(0), new StreamOffset(10)));
    }

    [Fact]
    public void ABatchTooLargeToKeep_IsNotKept()
    {
        var recent = new RecentBatches(capacityBytes: 1_000);
        recent.Add("run-1", new StreamOffset(0), new StreamOffset(10), Events, bytes: 600);

        Assert.Null(recent.Take("run-1", new StreamOffset(0), new StreamOffset(10)));
    }
}
