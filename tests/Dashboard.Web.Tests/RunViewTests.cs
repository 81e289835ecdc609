using Dashboard.Model;
using Dashboard.Model.Events;
using Dashboard.Model.Reducing;
using Dashboard.Model.Rollups;
using Dashboard.Model.Runs;

namespace Dashboard.Web.Tests;

public sealed class RunViewTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = T0.AddMinutes(10);
    private int _offset;

    private static DateTimeOffset At(int second) => T0.AddSeconds(second);

    /// <summary>Events with increasing offsets, as the stream hands them out.</summary>
    private T Placed<T>(T e) where T : RunEvent => e with { Offset = (++_offset).ToString("D8", System.Globalization.CultureInfo.InvariantCulture) };

    /// <summary>A run as the service would snapshot it after <paramref name="events"/>; <paramref name="firstAttempts"/> limits it as a first read does.</summary>
    private static RunSnapshot Snapshot(IEnumerable<RunEvent> events, int? firstAttempts = null)
    {
        var state = new RunState("run-1");
        foreach (var e in events)
        {
            Assert.Equal(ReduceOutcome.Applied, RunReducer.Apply(state, e).Outcome);
        }
        var attempts = state.Steps.SelectMany(s => s.Attempts).ToList();
        return new RunSnapshot
        {
            Record = state.Record!,
            Attempts = firstAttempts is { } first ? attempts.Take(first).ToList() : attempts,
            AttemptCount = attempts.Count,
            Offset = state.Offset,
        };
    }

    private List<RunEvent> Started(params string[] steps)
    {
        var events = new List<RunEvent> { Placed(new RunStarted { Timestamp = At(0), WorkflowId = "wf" }) };
        var second = 1;
        foreach (var step in steps)
        {
            events.Add(Placed(new StepStarted { Timestamp = At(second++), StepId = step }));
            events.Add(Placed(new StepCompleted { Timestamp = At(second++), StepId = step, CostUsd = 0.01m, Tokens = new TokenBreakdown { Prompt = 10, Completion = 5 } }));
        }
        return events;
    }

    [Fact]
    public void AWholeRun_ShowsItsRecordAttemptsRollupsAndRows_AndFollowsFromItsOffset()
    {
        var view = new RunView();
        var snapshot = Snapshot(Started("a", "b"));

        view.ShowFirst(snapshot, [], [], Now);

        Assert.True(view.IsComplete);
        Assert.False(view.IsPartial);
        Assert.Equal("run-1", view.Record!.Id);
        Assert.Equal(["a", "b"], view.Rows.Select(r => r.StepId));
        Assert.Equal(0.02m, view.Rollup!.Run.CostUsd);
        Assert.Equal(30, view.Rollup.Run.Tokens.Total);
        Assert.Equal(snapshot.Offset, view.Offset);
    }

    [Fact]
    public void LiveEvents_MoveTheRows_AndOnlyTheStepTheyTouchGetsANewVersion()
    {
        var view = new RunView();
        view.ShowFirst(Snapshot(Started("a", "b")), [], [], Now);
        var (a, b, c) = (new StepKey("a", null), new StepKey("b", null), new StepKey("c", null));

        view.Apply([Placed(new StepStarted { Timestamp = At(10), StepId = "c" })]);
        view.Refresh(Now);

        Assert.Equal(["a", "b", "c"], view.Rows.Select(r => r.StepId));
        Assert.Equal(StepStatus.Running, view.Rows[2].Status);
        Assert.Equal((0, 0, 1), (view.VersionOf(a), view.VersionOf(b), view.VersionOf(c)));

        // A retry of b: its version moves, a's does not.
        view.Apply([Placed(new StepStarted { Timestamp = At(11), StepId = "b", Attempt = 2 }), Placed(new StepFailed { Timestamp = At(12), StepId = "b", Attempt = 2, Error = new ErrorInfo { Message = "boom" } })]);
        view.Refresh(Now);

        Assert.Equal(0, view.VersionOf(a));
        Assert.Equal(1, view.VersionOf(b));
        Assert.Equal(2, view.Rows.Single(r => r.StepId == "b").AttemptCount);
        Assert.Equal(0.02m, view.Rollup!.Run.CostUsd);
    }

    [Fact]
    public void AnEventSeenAgain_ByOffset_ChangesNothing()
    {
        var view = new RunView();
        var events = Started("a");
        view.ShowFirst(Snapshot(events), [], [], Now);
        var rows = view.Rows;

        view.Apply([events[^1], events[^2]]);
        view.Refresh(Now);

        Assert.Equal(0, view.VersionOf(new StepKey("a", null)));
        Assert.Equal(rows.Select(r => (r.StepId, r.AttemptCount, r.Status)), view.Rows.Select(r => (r.StepId, r.AttemptCount, r.Status)));
    }

    [Fact]
    public void ALoopPickedAsAWhole_ChangesVersionWithAnyIteration_AnIterationOnlyWithItself()
    {
        var view = new RunView();
        var events = Started();
        events.Add(Placed(new StepStarted { Timestamp = At(1), StepId = "loop", LoopIndex = 0 }));
        view.ShowFirst(Snapshot(events), [], [], Now);

        view.Apply([Placed(new StepStarted { Timestamp = At(2), StepId = "loop", LoopIndex = 1 })]);

        Assert.Equal(1, view.VersionOf(new StepKey("loop", null)));
        Assert.Equal(1, view.VersionOf(new StepKey("loop", 1)));
        Assert.Equal(0, view.VersionOf(new StepKey("loop", 0)));
    }

    [Fact]
    public void ABigRun_ShowsItsFirstAttemptsWithoutRollups_ThenTheWhole()
    {
        var events = Started("a", "b", "c", "d");
        events.Add(Placed(new RunCompleted { Timestamp = At(20) }));
        var view = new RunView();

        view.ShowFirst(Snapshot(events, firstAttempts: 2), [], [], Now);

        Assert.True(view.IsPartial);
        Assert.False(view.IsComplete);
        Assert.Null(view.Rollup);
        Assert.Equal((2, 4), (view.ShownAttemptCount, view.AttemptCount));
        Assert.Equal(["a", "b"], view.Rows.Select(r => r.StepId));

        view.ShowWhole(RunView.Prepare(Snapshot(events), view.ChildRollups, view.ExpandedLoops, view.Filter, Now), Now);

        Assert.False(view.IsPartial);
        Assert.Equal(["a", "b", "c", "d"], view.Rows.Select(r => r.StepId));
        Assert.Equal(0.04m, view.Rollup!.Run.CostUsd);
    }

    [Fact]
    public void AStepStampedBeforeItsRun_StartsTheAxis_AndTheViewSaysByHowMuch_FirstAndWhole()
    {
        // A worker whose clock is 4 s behind the engine's: its step "started" before the run did.
        var events = new List<RunEvent>
        {
            Placed(new RunStarted { Timestamp = At(10), WorkflowId = "wf" }),
            Placed(new StepStarted { Timestamp = At(6), StepId = "early" }),
            Placed(new StepCompleted { Timestamp = At(8), StepId = "early" }),
            Placed(new StepStarted { Timestamp = At(11), StepId = "next" }),
            Placed(new StepCompleted { Timestamp = At(12), StepId = "next" }),
            Placed(new RunCompleted { Timestamp = At(20) }),
        };
        var view = new RunView();

        view.ShowFirst(Snapshot(events, firstAttempts: 1), [], [], Now);

        Assert.Equal(4_000, view.StepsBeforeRunMs);
        Assert.Equal(0, view.Rows[0].Bars[0].StartMs);

        view.ShowWhole(RunView.Prepare(Snapshot(events), view.ChildRollups, view.ExpandedLoops, view.Filter, Now), Now);

        Assert.Equal(4_000, view.StepsBeforeRunMs);
        Assert.Equal([0d, 5_000d], view.Rows.Select(r => r.Bars[0].StartMs));
        Assert.Equal(14_000, view.AxisMs);
    }

    [Fact]
    public void AFilterSetWhileTheWholeWasRead_IsAppliedToIt()
    {
        var events = Started("alpha", "beta", "gamma");
        var view = new RunView();
        view.ShowFirst(Snapshot(events, firstAttempts: 1), [], [], Now);
        var whole = RunView.Prepare(Snapshot(events), view.ChildRollups, view.ExpandedLoops, view.Filter, Now);

        view.SetFilter(new TimelineFilter(Text: "beta"), Now);
        view.ShowWhole(whole, Now);

        Assert.Equal(["beta"], view.Rows.Select(r => r.StepId));
    }

    [Fact]
    public void ALoopFolds_AndUnfoldsIntoItsIterations()
    {
        var events = Started();
        events.Add(Placed(new StepStarted { Timestamp = At(1), StepId = "loop", LoopIndex = 0 }));
        events.Add(Placed(new StepStarted { Timestamp = At(2), StepId = "loop", LoopIndex = 1 }));
        var view = new RunView();
        view.ShowFirst(Snapshot(events), [], [], Now);
        Assert.Equal([TimelineRowKind.LoopGroup], view.Rows.Select(r => r.Kind));

        view.ToggleLoop("loop", Now);

        Assert.Equal([TimelineRowKind.LoopGroup, TimelineRowKind.Iteration, TimelineRowKind.Iteration], view.Rows.Select(r => r.Kind));
        Assert.Equal([0, 1], view.IterationsOf(new StepKey("loop", 0), Now).Select(r => r.LoopIndex));
    }

    [Fact]
    public void AStepNamedWithoutItsIteration_MeansTheIterationThatFailedTheRun_ElseTheLastFailed_ElseTheLast()
    {
        // Iterations 0 and 3 pass; 2 fails, then 1 (run after it) fails last: the run's failing step is iteration 1.
        List<RunEvent> Loop(bool laterStepFails)
        {
            var events = Started("plain");
            var second = 10;
            foreach (var (index, fails) in new[] { (0, false), (2, true), (3, false), (1, true) })
            {
                events.Add(Placed(new StepStarted { Timestamp = At(second++), StepId = "item", LoopIndex = index }));
                events.Add(fails
                    ? Placed(new StepFailed { Timestamp = At(second++), StepId = "item", LoopIndex = index, Error = new ErrorInfo { Message = "bad item" } })
                    : Placed(new StepCompleted { Timestamp = At(second++), StepId = "item", LoopIndex = index }));
            }
            if (laterStepFails)
            {
                events.Add(Placed(new StepStarted { Timestamp = At(second++), StepId = "after" }));
                events.Add(Placed(new StepFailed { Timestamp = At(second++), StepId = "after", Error = new ErrorInfo { Message = "no" } }));
            }
            return events;
        }
        var view = new RunView();

        view.ShowFirst(Snapshot(Loop(laterStepFails: false)), [], [], Now);
        Assert.Equal(new StepKey("item", 1), view.Resolve(new StepKey("item", null)));

        view.ShowFirst(Snapshot(Loop(laterStepFails: true)), [], [], Now);
        Assert.Equal(new StepKey("item", 2), view.Resolve(new StepKey("item", null)));
        Assert.Equal(new StepKey("item", 3), view.Resolve(new StepKey("item", 3)));
        Assert.Equal(new StepKey("plain", null), view.Resolve(new StepKey("plain", null)));
        Assert.Equal(new StepKey("ghost", null), view.Resolve(new StepKey("ghost", null)));

        // The whole run, as a big run's compact state holds it, resolves alike.
        view.ShowWhole(RunView.Prepare(Snapshot(Loop(laterStepFails: true)), view.ChildRollups, view.ExpandedLoops, view.Filter, Now), Now);
        Assert.Equal(new StepKey("item", 2), view.Resolve(new StepKey("item", null)));
    }

    private static RunRecord Child(string id, string parentStep, int startSecond) =>
        new() { Id = id, WorkflowId = "wf-child", ParentRunId = "run-1", ParentStepId = parentStep, Status = RunStatus.Running, StartedAt = At(startSecond) };

    [Fact]
    public void ALoopsChildRuns_UnfoldAfterItsIterations_AndAFanOutShowsTwentyAndCountsTheRest()
    {
        var events = Started();
        events.Add(Placed(new StepStarted { Timestamp = At(1), StepId = "fan", LoopIndex = 0 }));
        events.Add(Placed(new StepStarted { Timestamp = At(1), StepId = "fan", LoopIndex = 1 }));
        events.Add(Placed(new StepStarted { Timestamp = At(2), StepId = "after" }));
        var children = Enumerable.Range(0, 25).Select(i => Child($"child-{i:D2}", "fan", 2 + i)).ToList();
        var view = new RunView();
        view.ShowFirst(Snapshot(events), children, [], Now);
        Assert.Equal(25, view.Rows[0].ChildRuns);
        Assert.Equal(0, view.Rows[1].ChildRuns);
        view.ToggleLoop("fan", Now);

        var toRead = view.ToggleChildren("fan", Now);

        Assert.Equal(ChildRows.MaxPerStep, toRead.Count);
        Assert.Equal("child-00", toRead[0].Id);
        Assert.Equal(
            [TimelineRowKind.LoopGroup, TimelineRowKind.Iteration, TimelineRowKind.Iteration, .. Enumerable.Repeat(TimelineRowKind.ChildRun, 21), TimelineRowKind.Step],
            view.Rows.Select(r => r.Kind));
        Assert.Equal("5 more child runs: see the child run tree", view.Rows[^2].Label);
        Assert.Null(view.Rows[^2].ChildRunId);
        // A child run's row is a bar on the parent's axis from when it started; running, it reaches the present.
        var first = view.Rows[3];
        Assert.Equal(("child-00", 2000d), (first.ChildRunId, first.Bars.Single().StartMs));
        Assert.True(first.Bars.Single().Open);
        Assert.Equal((Now - T0).TotalMilliseconds, view.AxisMs);
    }

    [Fact]
    public void AChildRead_ShowsItsStepsUnderIt_LiveEventsMoveThem_AndFoldingHidesThem()
    {
        var view = new RunView();
        view.ShowFirst(Snapshot(Started("spawn", "after")), [Child("child-1", "spawn", 1)], [], Now);
        Assert.Equal(["child-1"], view.ToggleChildren("spawn", Now).Select(c => c.Id));
        var childState = new RunState("child-1");
        RunReducer.Apply(childState, Placed(new RunStarted { Timestamp = At(1), WorkflowId = "wf-child", ParentRunId = "run-1", ParentStepId = "spawn" }));
        RunReducer.Apply(childState, Placed(new StepStarted { Timestamp = At(3), StepId = "inner" }));
        var child = new ChildTimeline(new RunSnapshot
        {
            Record = childState.Record!,
            Attempts = childState.Steps.SelectMany(s => s.Attempts).ToList(),
            AttemptCount = 1,
            Offset = childState.Offset,
        });

        view.ShowChild(child, Now);

        Assert.Equal(["spawn", "spawn", "inner", "after"], view.Rows.Select(r => r.StepId));
        Assert.Equal(TimelineRowKind.ChildStep, view.Rows[2].Kind);
        Assert.Equal(3000d, view.Rows[2].Bars.Single().StartMs);
        Assert.True(child.CanFollow);

        view.ApplyChild("child-1", [Placed(new StepCompleted { Timestamp = At(4), StepId = "inner" }), Placed(new RunCompleted { Timestamp = At(5) })]);
        view.Refresh(Now);

        Assert.Equal(StepStatus.Completed, view.Rows[2].Status);
        Assert.Equal((StepStatus.Completed, 5000d), (view.Rows[1].Status, view.Rows[1].Bars.Single().EndMs));
        Assert.False(child.CanFollow);

        // Folded and unfolded again: nothing to read, the child is still there.
        view.ToggleChildren("spawn", Now);
        Assert.Equal(["spawn", "after"], view.Rows.Select(r => r.StepId));
        Assert.Empty(view.ToggleChildren("spawn", Now));
        Assert.Equal(4, view.Rows.Count);
    }

    [Fact]
    public void ChildrenReadAgain_GiveAStepItsCount_AndAnUnfoldedStepItsNewChildrenToRead()
    {
        var view = new RunView();
        view.ShowFirst(Snapshot(Started("spawn", "after")), [], [], Now);
        Assert.Equal(0, view.Rows[0].ChildRuns);

        Assert.Empty(view.UpdateChildren([Child("child-1", "spawn", 1)], Now));
        Assert.Equal(1, view.Rows[0].ChildRuns);

        Assert.Equal(["child-1"], view.ToggleChildren("spawn", Now).Select(c => c.Id));
        // child-1 is being read (not shown yet): read again, both are still to read; another step's child is not.
        Assert.Equal(["child-1", "child-2"], view.UpdateChildren([Child("child-1", "spawn", 1), Child("child-2", "spawn", 2), Child("child-3", "after", 3)], Now).Select(c => c.Id));
        Assert.Equal((2, 1), (view.Rows[0].ChildRuns, view.Rows[^1].ChildRuns));
    }

    [Fact]
    public void ChildrenThatMovedOn_HaveTheirRollupsReadAgain_AndTheFamilysCostCountsThem()
    {
        var view = new RunView();
        var known = Child("child-0", "spawn", 1) with { EventCount = 3 };
        view.ShowFirst(Snapshot(Started("spawn")), [known], [new RunRollup { RunId = "child-0", CostUsd = 1m }], Now);
        var own = view.Rollup!.Run.CostUsd ?? 0;
        Assert.Equal(own + 1m, view.Rollup.Total.CostUsd);
        Assert.Empty(view.ChildrenWithStaleRollups());

        // 25 children started since: twenty are read at a time, those never read first.
        var started = Enumerable.Range(1, 25).Select(i => Child($"child-{i}", "spawn", i) with { EventCount = 1 }).ToList();
        view.UpdateChildren([known, .. started], Now);
        var first = view.ChildrenWithStaleRollups();
        Assert.Equal(started.Take(RunView.ChildRollupsPerRead).Select(c => c.Id), first.Select(c => c.Id));
        view.UpdateChildRollups([.. first.Select(c => (c, new RunRollup { RunId = c.Id, CostUsd = 0.5m }))]);
        Assert.Equal(own + 11m, view.Rollup!.Total.CostUsd);
        Assert.Equal(started.Skip(RunView.ChildRollupsPerRead).Select(c => c.Id), view.ChildrenWithStaleRollups().Select(c => c.Id));

        // A child that went on (more events) is read again; one that did not is not.
        view.UpdateChildren([known with { EventCount = 5 }, .. started], Now);
        var stale = view.ChildrenWithStaleRollups().Select(c => c.Id).ToList();
        Assert.Contains("child-0", stale);
        Assert.DoesNotContain("child-1", stale);
        view.UpdateChildRollups([(known with { EventCount = 5 }, new RunRollup { RunId = "child-0", CostUsd = 4m })]);
        Assert.Equal(own + 14m, view.Rollup!.Total.CostUsd);
        Assert.Equal(21, view.ChildRollups.Count);
    }
}
