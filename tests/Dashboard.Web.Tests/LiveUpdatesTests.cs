using Dashboard.Configuration;
using Dashboard.Security;
using Dashboard.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Tests;

/// <summary>The live chip's state as pages of one circuit come and go.</summary>
public sealed class LiveUpdatesTests
{
    [Fact]
    public async Task APageThatGoesWhileJoiningTheFeed_LeavesTheChipIdle_NotConnecting()
    {
        var subscriptions = new FakeRunSubscriptions { FeedJoinGate = new TaskCompletionSource() };
        var live = NewLiveUpdates(subscriptions);
        using var gone = new CancellationTokenSource();

        var joining = live.FollowFeedAsync(_ => Task.CompletedTask, () => Task.CompletedTask, gone.Token);
        Assert.Equal(LiveStatus.Connecting, live.Status);
        await gone.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => joining);
        Assert.Equal(LiveStatus.Idle, live.Status);
    }

    [Fact]
    public async Task APageThatGoesWhileJoining_DoesNotTurnOffAnotherPagesLiveChip()
    {
        var subscriptions = new FakeRunSubscriptions();
        var live = NewLiveUpdates(subscriptions);
        using var first = await live.FollowFeedAsync(_ => Task.CompletedTask, () => Task.CompletedTask, CancellationToken.None);
        subscriptions.FeedJoinGate = new TaskCompletionSource();
        using var gone = new CancellationTokenSource();

        var joining = live.FollowFeedAsync(_ => Task.CompletedTask, () => Task.CompletedTask, gone.Token);
        await gone.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => joining);
        Assert.Equal(LiveStatus.Live, live.Status);
    }

    private static LiveUpdates NewLiveUpdates(FakeRunSubscriptions subscriptions)
    {
        var services = new ServiceCollection().BuildServiceProvider();
        var viewer = new ViewerScope(services, Options.Create(new DashboardOptions()));
        return new LiveUpdates(subscriptions, viewer, NullLogger<LiveUpdates>.Instance);
    }
}
