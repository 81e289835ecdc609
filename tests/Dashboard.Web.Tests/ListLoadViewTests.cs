using Dashboard.Client.Errors;
using Dashboard.Model;

namespace Dashboard.Web.Tests;

public sealed class ListLoadViewTests
{
    /// <summary>A read that never answers of itself: it ends when its token is cancelled.</summary>
    private static async Task<string> AnswersWhenCalledOff(CancellationToken token)
    {
        await Task.Delay(Timeout.Infinite, token);
        return "never";
    }

    [Fact]
    public async Task NewerLoad_WinsOverASlowerOlderOne()
    {
        using var view = new ListLoadView<string>(string.IsNullOrEmpty);
        var slow = new TaskCompletionSource<string>();

        var first = view.LoadAsync(token => slow.Task.WaitAsync(token), Xunit.TestContext.Current.CancellationToken);
        await view.LoadAsync(_ => Task.FromResult("newer"), Xunit.TestContext.Current.CancellationToken);
        slow.SetResult("older");
        await first;

        Assert.Equal("newer", view.Page);
        Assert.Equal(LoadState.Loaded, view.State);
    }

    [Fact]
    public async Task ALoadCalledOff_DropsItsAnswer_AndLeavesWhatWasShown()
    {
        using var view = new ListLoadView<string>(string.IsNullOrEmpty);
        await view.LoadAsync(_ => Task.FromResult("shown"), Xunit.TestContext.Current.CancellationToken);
        var slow = new TaskCompletionSource<string>();
        using var callOff = new CancellationTokenSource();

        var reload = view.LoadAsync(_ => slow.Task, callOff.Token);
        Assert.True(view.IsLoading);
        callOff.Cancel();
        slow.SetResult("came too late");
        await reload;

        Assert.Equal("shown", view.Page);
        Assert.Equal(LoadState.Loaded, view.State);
    }

    [Fact]
    public async Task ALoadCalledOff_ThroughItsToken_LeavesAnEmptyPageEmpty()
    {
        using var view = new ListLoadView<string>(string.IsNullOrEmpty);
        await view.LoadAsync(_ => Task.FromResult(""), Xunit.TestContext.Current.CancellationToken);
        using var callOff = new CancellationTokenSource();

        var reload = view.LoadAsync(AnswersWhenCalledOff, callOff.Token);
        callOff.Cancel();
        await reload;

        Assert.Equal(LoadState.Empty, view.State);
    }

    [Fact]
    public async Task ALoadSupersededAndThenCalledOff_LeavesTheNewerOneInCharge()
    {
        using var view = new ListLoadView<string>(string.IsNullOrEmpty);
        await view.LoadAsync(_ => Task.FromResult("shown"), Xunit.TestContext.Current.CancellationToken);
        using var callOff = new CancellationTokenSource();
        var older = view.LoadAsync(AnswersWhenCalledOff, callOff.Token);
        var newer = new TaskCompletionSource<string>();
        var newerLoad = view.LoadAsync(_ => newer.Task, Xunit.TestContext.Current.CancellationToken);
        callOff.Cancel();
        await older;

        Assert.True(view.IsLoading);
        newer.SetResult("newer");
        await newerLoad;
        Assert.Equal("newer", view.Page);
    }

    [Fact]
    public async Task RateLimited_TellsHowLongToWait()
    {
        using var view = new ListLoadView<string>(string.IsNullOrEmpty);
        await view.LoadAsync(_ => throw new RateLimitedException("slow down", TimeSpan.FromSeconds(7)), Xunit.TestContext.Current.CancellationToken);
        Assert.Equal(LoadState.Failed, view.State);
        Assert.Contains("7 s", view.ErrorDetail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyResult_IsEmptyState()
    {
        using var view = new ListLoadView<string>(string.IsNullOrEmpty);
        await view.LoadAsync(_ => Task.FromResult(""), Xunit.TestContext.Current.CancellationToken);
        Assert.Equal(LoadState.Empty, view.State);
    }
}
