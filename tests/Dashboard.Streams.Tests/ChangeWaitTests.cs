using Dashboard.Streams.Core;

namespace Dashboard.Streams.Tests;

/// <summary>A reader's bounded wait for a stream's next change (long-polls, server-sent events).</summary>
public sealed class ChangeWaitTests
{
    private static CancellationToken Token => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task AChangeThatComes_EndsTheWait_AndLeavesNoTimerBehind()
    {
        var before = Timer.ActiveCount;
        var changes = Enumerable.Range(0, 10_000).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToList();
        var waits = changes.Select(change => ChangeWait.WithinAsync(change.Task, TimeSpan.FromMinutes(10), TimeProvider.System, Token)).ToList();
        changes.ForEach(change => change.SetResult());

        Assert.All(await Task.WhenAll(waits), Assert.True);
        // Ten thousand ten-minute timers would still be queued had each wait left its delay behind (other tests' timers
        // come and go meanwhile, hence the margin).
        Assert.True(Timer.ActiveCount - before < 5_000, $"{Timer.ActiveCount - before} timers left after the changes came");
    }

    [Fact]
    public async Task NoChange_TheWaitEndsWhenItsTimeRunsOut()
    {
        var change = new TaskCompletionSource();
        Assert.False(await ChangeWait.WithinAsync(change.Task, TimeSpan.FromMilliseconds(1), TimeProvider.System, Token));
    }

    [Fact]
    public async Task ACancelledWait_EndsWithoutAChange_AndThrowsNothing()
    {
        using var reader = new CancellationTokenSource();
        var wait = ChangeWait.WithinAsync(new TaskCompletionSource().Task, TimeSpan.FromMinutes(10), TimeProvider.System, reader.Token);
        await reader.CancelAsync();
        Assert.False(await wait);
    }
}
