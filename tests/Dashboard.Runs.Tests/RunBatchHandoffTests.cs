using Dashboard.Model.Events;
using Dashboard.Runs.Ingestion;
using Dashboard.Streams.Core;

namespace Dashboard.Runs.Tests;

/// <summary>
/// What ingestion hands the in-process relay: a follower is given a batch only when it goes on from exactly where the
/// follower stands, and every change of its stream that no handed batch accounts for (another instance's append, a
/// dropped batch, changes that went unheard) shows in <see cref="RunFollow.Unaccounted"/>, so the follower reads the
/// store for it. The relay's use of both, end to end, is in the web tests' <c>EngineRunStreamSourceTests</c>.
/// </summary>
public sealed class RunBatchHandoffTests
{
    private const string Path = "/runs/run-1";

    private readonly StreamNotifier _notifier = new();

    /// <summary>A batch of <paramref name="count"/> events of 10 bytes each, stored from <paramref name="start"/>.</summary>
    private static (RunEvent[] Events, StoredMessage[] Stored) Batch(long start, int count)
    {
        var events = Enumerable.Range(0, count).Select(i => (RunEvent)new LogEvent { Timestamp = DateTimeOffset.UnixEpoch, Message = $"m{start + i}" }).ToArray();
        var stored = Enumerable.Range(0, count).Select(i => new StoredMessage(start + 10 * i, start, new byte[10])).ToArray();
        return (events, stored);
    }

    /// <summary>An append of this process: handed over after its commit, then its readers woken.</summary>
    private void Commit(RunBatchHandoff handoff, long start, int count)
    {
        var (events, stored) = Batch(start, count);
        handoff.Committed(Path, events, stored);
        _notifier.Changed(Path);
    }

    [Fact]
    public void AFollower_IsHandedEachBatchFromWhereItStands_WithTheOffsetAfterEachEvent()
    {
        using var handoff = new RunBatchHandoff(_notifier);
        using var follow = handoff.Follow(Path);
        Commit(handoff, 0, 2);
        Commit(handoff, 20, 1);

        Assert.True(follow.TryTake(new StreamOffset(0), out var first, out var next, out _));
        Assert.Equal([new StreamOffset(10).ToString(), new StreamOffset(20).ToString()], first.Select(e => e.Offset));
        Assert.Equal(["m0", "m1"], first.Select(e => ((LogEvent)e).Message));
        Assert.Equal(new StreamOffset(20), next);
        Assert.True(follow.TryTake(next, out var second, out next, out _));
        Assert.Equal("m20", ((LogEvent)Assert.Single(second)).Message);
        Assert.Equal(new StreamOffset(30), next);
        Assert.False(follow.TryTake(next, out _, out _, out var gap));
        Assert.False(gap);
        // Every wake-up came with a batch it was handed: nothing to read from the store.
        Assert.Equal(0, follow.Unaccounted);
    }

    [Fact]
    public void ABatchThatStartsFurtherOn_IsNotHanded_TheStoreHasWhatIsBetween()
    {
        using var handoff = new RunBatchHandoff(_notifier);
        using var follow = handoff.Follow(Path);
        Commit(handoff, 50, 1);

        Assert.False(follow.TryTake(new StreamOffset(40), out var events, out var next, out var gap));
        // Something else was appended before it (another instance's batch whose wake-up may not have come yet).
        Assert.True(gap);
        Assert.Empty(events);
        Assert.Equal(new StreamOffset(40), next);
    }

    [Fact]
    public void WhatTheStoreGaveAlready_IsNotHandedAgain()
    {
        using var handoff = new RunBatchHandoff(_notifier);
        using var follow = handoff.Follow(Path);
        Commit(handoff, 0, 1);
        Commit(handoff, 10, 3);

        // The store was read up to 30: inside the second batch (a read stops at its limits between messages).
        Assert.True(follow.TryTake(new StreamOffset(30), out var events, out var next, out _));
        Assert.Equal("m12", ((LogEvent)Assert.Single(events)).Message);
        Assert.Equal(new StreamOffset(40), next);
    }

    [Fact]
    public void AChangeThatCameAnotherWay_IsUnaccounted_UntilTheFollowerReads()
    {
        using var handoff = new RunBatchHandoff(_notifier);
        using var follow = handoff.Follow(Path);
        Commit(handoff, 0, 1);
        var before = follow.Unaccounted;

        // Another instance's append: heard through the notifier only.
        _notifier.Wake(Path);
        Assert.Equal(before + 1, follow.Unaccounted);
        // Another stream's change is not this follower's.
        _notifier.Wake("/runs/other");
        Assert.Equal(before + 1, follow.Unaccounted);
        // Changes that may have gone unheard (a lost connection to the other instances) count for every follower.
        _notifier.WakeAll();
        Assert.Equal(before + 2, follow.Unaccounted);
    }

    [Fact]
    public void BetweenItsHandOffAndItsWakeUp_ABatchNeverHidesAChangeThatCameAnotherWay()
    {
        using var handoff = new RunBatchHandoff(_notifier);
        using var follow = handoff.Follow(Path);
        var atRead = follow.Unaccounted;

        // Another instance appends, and this process hands a batch whose wake-up has not come yet.
        _notifier.Wake(Path);
        var (events, stored) = Batch(0, 1);
        handoff.Committed(Path, events, stored);
        var inBetween = follow.Unaccounted;
        _notifier.Changed(Path);

        // The count may stand still while the batch is between (the follower then takes the batch), but once its
        // wake-up is in, the other change shows.
        Assert.Equal(atRead, inBetween);
        Assert.NotEqual(atRead, follow.Unaccounted);
    }

    [Fact]
    public void ABatchDroppedForAFollowerThatFellBehind_IsUnaccounted()
    {
        using var handoff = new RunBatchHandoff(_notifier);
        using var follow = handoff.Follow(Path);
        for (var i = 0; i < 300; i++)
        {
            Commit(handoff, 10 * i, 1);
        }

        // The oldest went; the follower at the start has a gap to read from the store, and the count says so.
        Assert.False(follow.TryTake(new StreamOffset(0), out _, out _, out _));
        Assert.True(follow.Unaccounted > 0);
    }

    [Fact]
    public void ABatchOfPayloadsLargerThanAFollowerKeeps_IsLeftToTheStore()
    {
        using var handoff = new RunBatchHandoff(_notifier);
        using var follow = handoff.Follow(Path);
        var events = new RunEvent[] { new LogEvent { Timestamp = DateTimeOffset.UnixEpoch, Message = "huge" } };
        handoff.Committed(Path, events, [new StoredMessage(0, 0, new byte[5 * 1024 * 1024])]);
        _notifier.Changed(Path);

        Assert.False(follow.TryTake(new StreamOffset(0), out _, out _, out _));
        Assert.True(follow.Unaccounted > 0);
    }

    [Fact]
    public void NothingIsHanded_ToARunNobodyFollows_OrAfterTheFollowEnds()
    {
        using var handoff = new RunBatchHandoff(_notifier);
        Assert.False(handoff.IsFollowed(Path));
        var follow = handoff.Follow(Path);
        var other = handoff.Follow(Path);
        Assert.True(handoff.IsFollowed(Path));
        follow.Dispose();
        Assert.True(handoff.IsFollowed(Path));
        Commit(handoff, 0, 1);
        Assert.False(follow.TryTake(new StreamOffset(0), out _, out _, out _));
        Assert.True(other.TryTake(new StreamOffset(0), out _, out _, out _));
        other.Dispose();
        Assert.False(handoff.IsFollowed(Path));
    }
}
