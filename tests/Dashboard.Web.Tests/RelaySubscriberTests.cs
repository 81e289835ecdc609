using Dashboard.Services;

namespace Dashboard.Web.Tests;

/// <summary>
/// One subscriber's delivery driven step by step, as the relay drives it: catch-up passes, live items, a reader that
/// stops reading. What a page relies on: every item once, in order, however the two interleave.
/// </summary>
public sealed class RelaySubscriberTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private static CancellationToken Token => Xunit.TestContext.Current.CancellationToken;

    private sealed record Item(string Offset);

    private static Item At(int i) => new(i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture));

    private static Item[] Range(int from, int to) => Enumerable.Range(from, to - from + 1).Select(At).ToArray();

    /// <summary>Records what it is given; while <see cref="Stall"/> is pending, a delivery waits, as a browser that stopped reading.</summary>
    private sealed class Reader
    {
        private readonly List<Item> _items = [];
        private readonly TaskCompletionSource _firstDelivery = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Stall { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task FirstDelivery => _firstDelivery.Task;

        private readonly TaskCompletionSource _overflowed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _overflows;

        /// <summary>How often the subscriber asked the relay to resync it (it does so off the thread that offered).</summary>
        public int Overflows => Volatile.Read(ref _overflows);

        public Task Overflowed => _overflowed.Task;

        public void OnOverflow()
        {
            Interlocked.Increment(ref _overflows);
            _overflowed.TrySetResult();
        }

        public IReadOnlyList<string> Offsets
        {
            get
            {
                lock (_items)
                {
                    return _items.Select(i => i.Offset).ToList();
                }
            }
        }

        public async Task Deliver(IReadOnlyList<Item> items)
        {
            _firstDelivery.TrySetResult();
            await Stall.Task;
            lock (_items)
            {
                _items.AddRange(items);
            }
        }

        public async Task WaitForAsync(int count)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
            timeout.CancelAfter(Patience);
            while (Offsets.Count < count)
            {
                await Task.Delay(10, timeout.Token);
            }
        }
    }

    private static RelaySubscriber<Item> NewSubscriber(Reader reader, int limit) =>
        new(item => item.Offset, reader.Deliver, limit, _ => reader.OnOverflow());

    [Fact]
    public async Task ACatchUpAfterAnOverflow_WhileMoreThanHalfAQueueIsHeld_StillFinishesOnceTheReaderReadsAgain()
    {
        var reader = new Reader();
        using var subscriber = NewSubscriber(reader, limit: 20);
        subscriber.BeginPass();
        Assert.True(await subscriber.CatchUpAsync([At(1)], Token));
        Assert.True(subscriber.TryGoLive());
        await reader.FirstDelivery.WaitAsync(Patience, Token);

        // The reader is stuck on item 1: twenty live items fill its queue, the next overflows it (the relay is told).
        foreach (var item in Range(2, 22))
        {
            subscriber.Offer(item);
        }
        await reader.Overflowed.WaitAsync(Patience, Token);
        // The run goes on while the relay resyncs: twelve live items are held, more than half the queue, then it stops.
        foreach (var item in Range(23, 34))
        {
            subscriber.Offer(item);
        }

        // The relay's pass reads on from the last item handed out; it cannot queue it all while the reader is stuck.
        Assert.Equal(At(1).Offset, subscriber.BeginPass());
        var pass = subscriber.CatchUpAsync(Range(2, 34), Token);
        Assert.False(pass.IsCompleted);

        reader.Stall.SetResult();
        Assert.True(await pass.WaitAsync(Patience, Token));
        Assert.True(subscriber.TryGoLive());
        subscriber.Offer(At(35));

        await reader.WaitForAsync(35);
        Assert.Equal(Range(1, 35).Select(i => i.Offset), reader.Offsets);
        Assert.Equal(1, reader.Overflows);
    }

    [Fact]
    public async Task LiveItemsHeldDuringACatchUp_FollowIt_AndTheOverlapIsDeliveredOnce()
    {
        var reader = new Reader();
        reader.Stall.SetResult();
        using var subscriber = NewSubscriber(reader, limit: 100);
        subscriber.StartAfter(At(2).Offset);

        Assert.Equal(At(2).Offset, subscriber.BeginPass());
        // Items 6..9 were appended while the pass read 3..7: they arrive live and wait for the pass.
        foreach (var item in Range(6, 9))
        {
            subscriber.Offer(item);
        }
        Assert.True(await subscriber.CatchUpAsync(Range(3, 7), Token));
        Assert.True(subscriber.TryGoLive());
        subscriber.Offer(At(10));

        await reader.WaitForAsync(8);
        Assert.Equal(Range(3, 10).Select(i => i.Offset), reader.Offsets);
        Assert.Equal(0, reader.Overflows);
    }

    [Fact]
    public async Task AnOverflowDuringACatchUp_VoidsThePass_AndTheNextPassReadsOnFromWhatWasDelivered()
    {
        var reader = new Reader();
        using var subscriber = NewSubscriber(reader, limit: 10);
        subscriber.BeginPass();
        Assert.True(await subscriber.CatchUpAsync([At(1)], Token));
        await reader.FirstDelivery.WaitAsync(Patience, Token);

        // Still catching up (not live): eleven live items overflow the hold; the pass under way is told, the relay is
        // not called again (the pass in progress starts the next one).
        foreach (var item in Range(2, 12))
        {
            subscriber.Offer(item);
        }
        Assert.False(subscriber.TryGoLive());
        Assert.Equal(0, reader.Overflows);
        Assert.False(await subscriber.CatchUpAsync(Range(2, 3), Token));

        Assert.Equal(At(1).Offset, subscriber.BeginPass());
        reader.Stall.SetResult();
        Assert.True(await subscriber.CatchUpAsync(Range(2, 12), Token).WaitAsync(Patience, Token));
        Assert.True(subscriber.TryGoLive());

        await reader.WaitForAsync(12);
        Assert.Equal(Range(1, 12).Select(i => i.Offset), reader.Offsets);
    }

    [Fact]
    public async Task WithoutACatchUp_AnOverflowedSubscriberSkipsWhatWasDropped_AndTakesLiveItemsAgain()
    {
        var reader = new Reader();
        using var subscriber = NewSubscriber(reader, limit: 4);
        Assert.True(subscriber.TryGoLive());
        subscriber.Offer(At(1));
        await reader.FirstDelivery.WaitAsync(Patience, Token);
        foreach (var item in Range(2, 6))
        {
            subscriber.Offer(item);
        }
        await reader.Overflowed.WaitAsync(Patience, Token);

        // The feed's way: what was dropped is reported as a gap, and delivery goes on from the next live item.
        subscriber.SkipToLive();
        reader.Stall.SetResult();
        subscriber.Offer(At(7));
        subscriber.Offer(At(8));

        await reader.WaitForAsync(3);
        Assert.Equal([At(1).Offset, At(7).Offset, At(8).Offset], reader.Offsets);
    }

    [Fact]
    public async Task ADisposedSubscriber_DeliversNothingMore_AndAPassWaitingOnItEnds()
    {
        var reader = new Reader();
        var subscriber = NewSubscriber(reader, limit: 4);
        subscriber.BeginPass();
        Assert.True(await subscriber.CatchUpAsync([At(1)], Token));
        await reader.FirstDelivery.WaitAsync(Patience, Token);
        var pass = subscriber.CatchUpAsync(Range(2, 9), Token);

        subscriber.Dispose();
        subscriber.Offer(At(10));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pass.WaitAsync(Patience, Token));
        reader.Stall.SetResult();
        await reader.WaitForAsync(1);
        Assert.Equal([At(1).Offset], reader.Offsets);
    }
}
