using Dashboard.Client.Errors;
using Dashboard.Model;

namespace Dashboard.Web.Tests;

public sealed class ListLoadViewTests
{
    [Fact]
    public async Task NewerLoad_WinsOverASlowerOlderOne()
    {
        using var view = new ListLoadView<string>(string.IsNullOrEmpty);
        var slow = new TaskCompletionSource<string>();

        var first = view.LoadAsync(token => slow.Task.WaitAsync(token));
        await view.LoadAsync(_ => Task.FromResult("newer"));
        slow.SetResult("older");
        await first;

        Assert.Equal("newer", view.Page);
        Assert.Equal(LoadState.Loaded, view.State);
    }

    [Fact]
    public async Task RateLimited_TellsHowLongToWait()
    {
        using var view = new ListLoadView<string>(string.IsNullOrEmpty);
        await view.LoadAsync(_ => throw new RateLimitedException("slow down", TimeSpan.FromSeconds(7)));
        Assert.Equal(LoadState.Failed, view.State);
        Assert.Contains("7 s", view.ErrorDetail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyResult_IsEmptyState()
    {
        using var view = new ListLoadView<string>(string.IsNullOrEmpty);
        await view.LoadAsync(_ => Task.FromResult(""));
        Assert.Equal(LoadState.Empty, view.State);
    }
}
