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
    public async Task AStepStampedBeforeItsRun_IsOnTheTrack_AndThePageSaysTheAxisStartsEarlier()
    {
        // The step's worker clock is 3 s behind the engine's.
        await Real.ReportAsync("page-skew", [
            new RunStarted { Timestamp = At(10), WorkflowId = "wf-page", WorkflowName = "Skewed run" },
            new StepStarted { Timestamp = At(7), StepId = "step-early" },
            new StepCompleted { Timestamp = At(9), StepId = "step-early" },
            new RunCompleted { Timestamp = At(12) },
        ], cancellationToken: Token);

        var cut = Open("page-skew");

        cut.WaitForAssertion(() => Assert.Contains("left:0%", cut.Find(".timeline-row .bar").GetAttribute("style"), StringComparison.Ordinal));
        Assert.Contains("the axis starts 3 s before the run", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALinkToALoopedStepWithoutItsIteration_OpensTheIterationThatFailed_AndAStepNotInTheRunSaysSo()
    {
        // The live feed's older entries and a failure group's newest run link to a step without its iteration.
        await Real.ReportAsync("page-loop", [
            new RunStarted { Timestamp = At(0), WorkflowId = "wf-page", WorkflowName = "Looped run" },
            new StepStarted { Timestamp = At(1), StepId = "item", LoopIndex = 0 },
            new StepCompleted { Timestamp = At(2), StepId = "item", LoopIndex = 0 },
            new StepStarted { Timestamp = At(3), StepId = "item", LoopIndex = 1 },
            new StepFailed { Timestamp = At(4), StepId = "item", LoopIndex = 1, Error = new ErrorInfo { Message = "item 1 is <b>bad</b>" } },
            new StepStarted { Timestamp = At(5), StepId = "item", LoopIndex = 2 },
            new StepCompleted { Timestamp = At(6), StepId = "item", LoopIndex = 2 },
        ], cancellationToken: Token);

        var cut = Open("page-loop", "?step=item&tab=error");

        cut.WaitForAssertion(() => Assert.Contains("iteration 1", cut.Find("[aria-label='Step details']").TextContent, StringComparison.Ordinal));
        Assert.Contains("item 1 is <b>bad</b>", cut.Find("[aria-label='Step details']").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[aria-label='Step details'] .mud-alert"));

        var missing = Open("page-loop", "?step=ghost");

        missing.WaitForAssertion(() => Assert.Contains("Not in this run. Run page-loop has no step ghost.",
            missing.Find("[aria-label='Step details'] .mud-alert").TextContent, StringComparison.Ordinal));
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

    [Fact]
    public async Task AStepsChildRuns_UnfoldUnderIt_OnTheParentsAxis_AndARunningChildIsFollowedLive()
    {
        await Real.ReportAsync("parent-1", [
            new RunStarted { Timestamp = At(0), WorkflowId = "wf-parent", WorkflowName = "Parent" },
            new StepStarted { Timestamp = At(1), StepId = "spawn", StepName = "Spawn children" },
            new StepStarted { Timestamp = At(2), StepId = "other" },
            new StepCompleted { Timestamp = At(3), StepId = "other" },
        ], cancellationToken: Token);
        await Real.ReportAsync("child-done", [
            new RunStarted { Timestamp = At(2), WorkflowId = "wf-child", WorkflowName = "<i>Done child</i>", ParentRunId = "parent-1", ParentStepId = "spawn" },
            new StepStarted { Timestamp = At(4), StepId = "c-one", StepName = "<script>alert(1)</script>" },
            new StepCompleted { Timestamp = At(6), StepId = "c-one" },
            new RunCompleted { Timestamp = At(6) },
        ], cancellationToken: Token);
        await Real.ReportAsync("child-going", [
            new RunStarted { Timestamp = At(3), WorkflowId = "wf-child", WorkflowName = "Going child", ParentRunId = "parent-1", ParentStepId = "spawn" },
            new StepStarted { Timestamp = At(5), StepId = "g-one" },
        ], cancellationToken: Token);
        var childOffset = (await Real.Run("child-going").TimelineAsync(cancellationToken: Token)).Offset;

        var cut = Open("parent-1", "?step=spawn");
        string[] Labels() => cut.FindAll(".timeline-row .label-text").Select(e => e.TextContent.Trim()).ToArray();
        cut.WaitForAssertion(() => Assert.Equal(["Spawn children", "other"], Labels()));
        var toggle = cut.Find(".child-toggle");
        Assert.Equal("▸ 2 runs", toggle.TextContent.Trim());
        Assert.Contains("started 2 runs, right arrow to unfold", cut.Find(".row-step .visually-hidden").TextContent, StringComparison.Ordinal);

        // → on the selected step unfolds them.
        cut.Find(".timeline").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "ArrowRight" });

        // Each child in the order it started, its steps under it; the rest of the parent after them.
        cut.WaitForAssertion(() => Assert.Equal(["Spawn children", "<i>Done child</i>", "<script>alert(1)</script>", "Going child", "g-one", "other"], Labels()),
            TimeSpan.FromSeconds(10));
        Assert.Empty(cut.FindAll(".timeline-row script, .timeline-row i"));
        Assert.Equal("true", cut.Find(".child-toggle").GetAttribute("data-unfolded"));
        // On the parent's axis: the child's step started 4 s after the parent did.
        var axis = cut.FindComponent<StepTimeline>().Instance.AxisMs;
        var bar = cut.FindAll(".row-childstep .bar")[0].GetAttribute("style")!;
        Assert.Contains($"left:{(100 * 4000 / axis).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}%", bar, StringComparison.Ordinal);

        // The child still going is followed from where it was read; its next step shows under it.
        cut.WaitForState(() => Subscriptions.Runs.FirstOrDefault(r => r.RunId == "child-going") is not null, TimeSpan.FromSeconds(10));
        Assert.Equal(childOffset, Subscriptions.Runs.Single(r => r.RunId == "child-going").FromOffset);
        Assert.DoesNotContain(Subscriptions.Runs, r => r.RunId == "child-done");
        await Subscriptions.PushAsync("child-going", Live(new StepCompleted { Timestamp = At(7), StepId = "g-one" }), Live(new StepStarted { Timestamp = At(8), StepId = "g-two" }));
        cut.WaitForAssertion(() => Assert.Equal(["Spawn children", "<i>Done child</i>", "<script>alert(1)</script>", "Going child", "g-one", "g-two", "other"], Labels()));

        // A child's step opens on the child's page.
        cut.FindAll(".row-childstep .row-option")[0].Click();
        cut.WaitForAssertion(() => Assert.EndsWith("/runs/child-done?step=c-one", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal),
            TimeSpan.FromSeconds(10));

        // Folded: the rows go, and so does the child's subscription.
        cut.Find(".child-toggle").Click();
        cut.WaitForAssertion(() => Assert.Equal(["Spawn children", "other"], Labels()));
        Assert.True(Subscriptions.Runs.Single(r => r.RunId == "child-going").Disposed);
    }

    [Fact]
    public async Task AChildStartedWhileThePageIsOpen_GetsItsToggle_AndJoinsAnUnfoldedStep()
    {
        await Real.ReportAsync("parent-live", [
            new RunStarted { Timestamp = At(0), WorkflowId = "wf-parent", WorkflowName = "Parent" },
            new StepStarted { Timestamp = At(1), StepId = "spawn", StepName = "Spawn children" },
        ], cancellationToken: Token);
        var cut = Open("parent-live", "?step=spawn");
        string[] Labels() => cut.FindAll(".timeline-row .label-text").Select(e => e.TextContent.Trim()).ToArray();
        cut.WaitForAssertion(() => Assert.Equal(["Spawn children"], Labels()));
        cut.WaitForState(() => Subscriptions.Runs.Any(r => r.RunId == "parent-live"), TimeSpan.FromSeconds(10));
        Assert.Empty(cut.FindAll(".child-toggle"));

        // The engine starts a child, and the parent goes on: the step offers its child run without a reload.
        await Real.ReportAsync("late-child-1", [
            new RunStarted { Timestamp = At(2), WorkflowId = "wf-child", WorkflowName = "First late child", ParentRunId = "parent-live", ParentStepId = "spawn" },
            new StepStarted { Timestamp = At(3), StepId = "l-one" },
        ], cancellationToken: Token);
        await Subscriptions.PushAsync("parent-live", Live(new StepStarted { Timestamp = At(3), StepId = "wait" }));
        cut.WaitForAssertion(() => Assert.Equal("▸ 1 run", cut.Find(".child-toggle").TextContent.Trim()), TimeSpan.FromSeconds(10));

        cut.Find(".child-toggle").Click();
        cut.WaitForAssertion(() => Assert.Equal(["Spawn children", "First late child", "l-one", "wait"], Labels()), TimeSpan.FromSeconds(10));

        // Unfolded, the step's next child is read and shown under it as it starts.
        await Real.ReportAsync("late-child-2", [
            new RunStarted { Timestamp = At(4), WorkflowId = "wf-child", WorkflowName = "Second late child", ParentRunId = "parent-live", ParentStepId = "spawn" },
            new StepStarted { Timestamp = At(5), StepId = "m-one" },
        ], cancellationToken: Token);
        await Subscriptions.PushAsync("parent-live", Live(new StepCompleted { Timestamp = At(5), StepId = "wait" }));
        cut.WaitForAssertion(() => Assert.Equal(["Spawn children", "First late child", "l-one", "Second late child", "m-one", "wait"], Labels()),
            TimeSpan.FromSeconds(10));
        Assert.Equal("▾ 2 runs", cut.Find(".child-toggle").TextContent.Trim());
        cut.WaitForState(() => Subscriptions.Runs.Any(r => r.RunId == "late-child-2"), TimeSpan.FromSeconds(10));

        // A child's cost counts in the family's as it comes, though the page read no rollup of children at load.
        Assert.Equal("—", cut.Find("[data-testid=rollup-cost]").TextContent.Trim());
        await Real.ReportAsync("late-child-1", [new StepCompleted { Timestamp = At(6), StepId = "l-one", CostUsd = 1.25m }], cancellationToken: Token);
        await Subscriptions.PushAsync("parent-live", Live(new StepStarted { Timestamp = At(6), StepId = "report" }));
        cut.WaitForAssertion(() => Assert.Equal("$1.25", cut.Find("[data-testid=rollup-cost]").TextContent.Trim()), TimeSpan.FromSeconds(10));
    }
}
