using Dashboard.Streams.Core;

namespace Dashboard.Streams.Tests;

public sealed class SharedReadsTests
{
    private static readonly ReadLimits Limits = new(4096);

    private static StreamRead Answer(long next) => new() { Status = StreamStatus.Ok, From = new StreamOffset(0), Next = new StreamOffset(next) };

    [Fact]
    public async Task ReadersWithTheSameChangeAndPlace_WaitForTheOneReadInFlight()
    {
        var reads = new SharedReads();
        var change = new TaskCompletionSource().Task;
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var calls = 0;
        var first = Task.Run(() => reads.Read(change, "/s", new StreamOffset(5), Limits, () =>
        {
            Interlocked.Increment(ref calls);
            inside.Set();
            release.Wait(TestContext.Current.CancellationToken);
            return Answer(9);
        }), TestContext.Current.CancellationToken);
        Assert.True(inside.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));

        // While it reads: the same change, place and limits join it; another change, place or limits read for themselves.
        var joined = reads.Read(change, "/s", new StreamOffset(5), new ReadLimits(4096), () => { Interlocked.Increment(ref calls); return Answer(1); });
        var otherChange = reads.Read(new TaskCompletionSource().Task, "/s", new StreamOffset(5), Limits, () => Answer(2));
        var otherPlace = reads.Read(change, "/s", new StreamOffset(6), Limits, () => Answer(3));
        var otherLimits = reads.Read(change, "/s", new StreamOffset(5), new ReadLimits(1), () => Answer(4));
        Assert.False(joined.IsCompleted);
        release.Set();

        Assert.Equal(9, (await first).Next.Position);
        Assert.Equal(9, (await joined).Next.Position);
        Assert.Equal(1, calls);
        var others = await Task.WhenAll(otherChange, otherPlace, otherLimits);
        Assert.Equal([2L, 3L, 4L], others.Select(r => r.Next.Position));

        // Once it has answered, a reader arriving later reads again.
        Assert.Equal(7, (await reads.Read(change, "/s", new StreamOffset(5), Limits, () => Answer(7))).Next.Position);
    }

    [Fact]
    public async Task AFailedRead_FailsEveryReaderThatJoinedIt_AndIsNotKept()
    {
        var reads = new SharedReads();
        var change = new TaskCompletionSource().Task;
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var first = Task.Run(() => reads.Read(change, "/s", null, Limits, () =>
        {
            inside.Set();
            release.Wait(TestContext.Current.CancellationToken);
            throw new InvalidOperationException("database gone");
        }), TestContext.Current.CancellationToken);
        Assert.True(inside.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        var joined = reads.Read(change, "/s", null, Limits, () => Answer(1));
        release.Set();

        await Assert.ThrowsAsync<InvalidOperationException>(() => first);
        await Assert.ThrowsAsync<InvalidOperationException>(() => joined);
        Assert.Equal(3, (await reads.Read(change, "/s", null, Limits, () => Answer(3))).Next.Position);
    }
}
