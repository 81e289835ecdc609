using Dashboard.Model;
using Dashboard.Model.Runs;

namespace Dashboard.Web.Tests;

public sealed class LiveFeedViewTests
{
    private static RunChange Change(int offset, RunStatus status = RunStatus.Running, string workflow = "wf-a") => new()
    {
        RunId = $"run-{offset}",
        WorkflowId = workflow,
        Status = status,
        Event = "step_completed",
        FeedOffset = offset.ToString("D16"),
    };

    [Fact]
    public void CatchUpAndLiveChanges_MergeNewestFirst_EachOnce()
    {
        var view = new LiveFeedView();

        view.Add([Change(5), Change(6)]);        // live, arrived first
        view.Add([Change(3), Change(4), Change(5)]);   // the recent read, overlapping

        Assert.Equal(["run-6", "run-5", "run-4", "run-3"], view.Shown().Select(c => c.RunId));
    }

    [Fact]
    public void Paused_HoldsChangesBack_UntilResumed()
    {
        var view = new LiveFeedView();
        view.Add([Change(1)]);

        view.TogglePause();
        view.Add([Change(2), Change(3)]);
        Assert.Equal((1, 2), (view.Shown().Count(), view.WaitingCount));

        view.TogglePause();
        Assert.Equal(["run-3", "run-2", "run-1"], view.Shown().Select(c => c.RunId));
        Assert.Equal(0, view.WaitingCount);
    }

    [Fact]
    public void Filters_ProblemsOnlyAndText()
    {
        var view = new LiveFeedView();
        view.Add([Change(1, RunStatus.Failed), Change(2, RunStatus.Completed, "wf-billing"), Change(3, RunStatus.Timeout, "wf-billing")]);

        view.ProblemsOnly = true;
        Assert.Equal(["run-3", "run-1"], view.Shown().Select(c => c.RunId));
        view.Text = "BILLING";
        Assert.Equal(["run-3"], view.Shown().Select(c => c.RunId));
        view.ProblemsOnly = false;
        Assert.Equal(["run-3", "run-2"], view.Shown().Select(c => c.RunId));
    }

    [Fact]
    public void AFailedStep_IsAProblem_AndShowsItsOwnError()
    {
        var view = new LiveFeedView();
        var retried = Change(2) with { Event = "step_failed", StepError = "card declined", WillRetry = true };
        view.Add([Change(1), retried, Change(3, RunStatus.Failed) with { Event = "run_failed", ErrorMessage = "gave up" }]);

        view.ProblemsOnly = true;
        Assert.Equal(["run-3", "run-2"], view.Shown().Select(c => c.RunId));
        Assert.Equal("card declined (will retry)", LiveFeedView.ErrorOf(view.Shown().Last()));
        Assert.Equal("gave up", LiveFeedView.ErrorOf(view.Shown().First()));
        view.Text = "declined";
        Assert.Equal(["run-2"], view.Shown().Select(c => c.RunId));
    }

    [Fact]
    public void ABatchsEarlierChanges_AreRowsUnderItsOwn_NewestFirst_WithTheirOwnStepsAndErrors()
    {
        var view = new LiveFeedView();
        var t = DateTimeOffset.Parse("2026-12-05T10:00:00Z");
        // One batch: a step completed, the next failed, the run failed with it (the row it is named after).
        view.Add([Change(1, RunStatus.Failed) with
        {
            Event = "run_failed", At = t.AddSeconds(3), ErrorMessage = "gave up",
            Earlier =
            [
                new FeedEvent { Event = "step_completed", At = t.AddSeconds(1), StepId = "check" },
                new FeedEvent { Event = "step_failed", At = t.AddSeconds(2), StepId = "refund", LoopIndex = 4, StepError = "window closed", WillRetry = false },
            ],
            EarlierLeftOut = 7,
        }]);

        var rows = view.Shown().ToList();
        Assert.Equal(["run_failed", "step_failed", "step_completed"], rows.Select(r => r.Event));
        Assert.Equal([null, "refund", "check"], rows.Select(r => r.StepId));
        Assert.Equal([3, 2, 1], rows.Select(r => r.At!.Value.Second));
        Assert.Equal(4, rows[1].LoopIndex);
        Assert.Equal(["gave up", "window closed", null], rows.Select(LiveFeedView.ErrorOf));
        Assert.Equal([0, 0, 7], rows.Select(r => r.LeftOut));
        Assert.Equal(3, rows.Select(r => r.Key).Distinct().Count());

        // The run's failure and the step's are problems; the completion before them is not.
        view.ProblemsOnly = true;
        Assert.Equal(["run_failed", "step_failed"], view.Shown().Select(r => r.Event));
        view.ProblemsOnly = false;
        view.Text = "check";
        Assert.Equal(["step_completed"], view.Shown().Select(r => r.Event));
    }

    [Fact]
    public void OnlyTheNewestAreKept()
    {
        var view = new LiveFeedView();

        view.Add(Enumerable.Range(1, LiveFeedView.MaxKept + 10).Select(i => Change(i)));

        Assert.Equal(LiveFeedView.MaxKept, view.Count);
        Assert.Equal($"run-{LiveFeedView.MaxKept + 10}", view.Shown().First().RunId);
    }

    [Fact]
    public void AtMostMaxKeptRowsAreShown_HoweverManyChangesTheBatchesList()
    {
        var view = new LiveFeedView();
        var earlier = Enumerable.Range(0, RunChange.MaxEarlier).Select(i => new FeedEvent { Event = "step_completed", StepId = $"s{i}" }).ToList();

        view.Add(Enumerable.Range(1, 50).Select(i => Change(i) with { Earlier = earlier }));

        Assert.Equal(LiveFeedView.MaxKept, view.Shown().Count());
        Assert.Equal("run-50", view.Shown().First().RunId);
    }

    [Theory]
    [InlineData("step_completed", new[] { "step_", "completed" })]
    [InlineData("run_timed_out", new[] { "run_", "timed_", "out" })]
    [InlineData("log", new[] { "log" })]
    [InlineData("odd_", new[] { "odd_" })]
    [InlineData("", new string[0])]
    public void AnEventNameBreaksAfterEachUnderscore_AndKeepsEveryCharacter(string eventName, string[] parts)
    {
        Assert.Equal(parts, LiveFeedView.EventNameParts(eventName));
        Assert.Equal(eventName, string.Concat(LiveFeedView.EventNameParts(eventName)));
    }
}
