using Bunit;
using Dashboard.Client;
using Dashboard.Components.Controls;
using Dashboard.Components.Pages;
using Dashboard.Model.Events;
using Dashboard.Model.Runs;
using Dashboard.Testing;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

/// <summary>
/// The run page over a real runs service (loopback HTTP, SQLite): what it loads and shows, and what live events (pushed
/// through <see cref="FakeRunSubscriptions"/>, as the relay would deliver them) change on it.
/// </summary>
public sealed class RunPageTests : RealServiceTestContext
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
    private int _offset;

    private static DateTimeOffset At(int second) => T0.AddSeconds(second);

    /// <summary>A live event as the relay hands it out: with an offset past everything the page has read.</summary>
    private T Live<T>(T e) where T : RunEvent => e with { Offset = $"9000000000000000_{++_offset:D16}" };

    private async Task<string> StartRunAsync(string runId)
    {
        await Real.ReportAsync(runId, [
            new RunStarted { Timestamp = At(0), WorkflowId = "wf-page", WorkflowName = "Page run" },
            new StepStarted { Timestamp = At(1), StepId = "step-alpha" },
            new StepCompleted { Timestamp = At(2), StepId = "step-alpha" },
            new StepStarted { Timestamp = At(3), StepId = "step-beta" },
        ], cancellationToken: Token);
        return (await Real.Run(runId).TimelineAsync(cancellationToken: Token)).Offset!;
    }

    private IRenderedComponent<RunPage> Open(string runId, string query = "")
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo($"/runs/{Uri.EscapeDataString(runId)}{query}");
        return Render<RunPage>(p => p.Add(x => x.RunId, runId));
    }

    [Fact]
    public async Task ShowsTheRunsSteps_AndFollowsItFromTheSnapshotsOffset()
    {
        var offset = await StartRunAsync("page-1");

        var cut = Open("page-1");

        cut.WaitForAssertion(() => Assert.Equal(["step-alpha", "step-beta"], cut.FindAll(".timeline-row .label-text").Select(e => e.TextContent.Trim())));
        var follower = Assert.Single(Subscriptions.Runs);
        Assert.Equal(("page-1", offset), (follower.RunId, follower.FromOffset));
    }

    [Fact]
    public async Task LiveEvents_AddAndUpdateRows()
    {
        await StartRunAsync("page-2");
        var cut = Open("page-2");
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll(".timeline-row").Count));

        await Subscriptions.PushAsync("page-2", Live(new StepCompleted { Timestamp = At(4), StepId = "step-beta" }), Live(new StepStarted { Timestamp = At(5), StepId = "step-gamma" }));

        cut.WaitForAssertion(() => Assert.Equal(["step-alpha", "step-beta", "step-gamma"], cut.FindAll(".timeline-row .label-text").Select(e => e.TextContent.Trim())));
        cut.WaitForAssertion(() => Assert.Contains("Steps 3", cut.Find(".run-facts").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheSelectedStep_IsRefreshedOnlyWhenItsOwnAttemptsChange()
    {
        await StartRunAsync("page-3");
        var cut = Open("page-3", "?step=step-alpha");
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll(".timeline-row").Count));
        string? Version() => cut.FindComponent<StepPanel>().Instance.Version;
        var before = Version();

        // Another step changes: the row shows it, the panel of step-alpha is not asked to reload.
        await Subscriptions.PushAsync("page-3", Live(new StepCompleted { Timestamp = At(4), StepId = "step-beta" }));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".timeline-row .dot.running")));
        Assert.Equal(before, Version());

        // Its own step is retried: now it is.
        await Subscriptions.PushAsync("page-3", Live(new StepStarted { Timestamp = At(6), StepId = "step-alpha", Attempt = 2 }));
        cut.WaitForAssertion(() => Assert.NotEqual(before, Version()));
    }

    [Fact]
    public async Task LeavingThePage_EndsItsSubscription()
    {
        await StartRunAsync("page-4");
        var cut = Open("page-4");
        cut.WaitForAssertion(() => Assert.Single(Subscriptions.Runs));

        await DisposeComponentsAsync();

        Assert.True(Subscriptions.Runs.Single().Disposed);
    }

    [Fact]
    public async Task AFinishedRun_IsNotFollowed()
    {
        await StartRunAsync("page-5");
        await Real.ReportAsync("page-5", [new StepCompleted { Timestamp = At(4), StepId = "step-beta" }, new RunCompleted { Timestamp = At(5) }], cancellationToken: Token);

        var cut = Open("page-5");

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll(".timeline-row").Count));
        Assert.Empty(Subscriptions.Runs);
    }
}
