using System.Text.Json;
using Dashboard.Model;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;

namespace Dashboard.Web.Tests;

/// <summary>
/// A big run's rows are made when shown, from its compact state: they must be the rows the ordinary builder makes from
/// the same attempts, under every filter and fold, with the same axis.
/// </summary>
public sealed class LazyTimelineRowsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private static StepTrace Attempt(string stepId, int attempt, StepStatus status, int start, int? end, int? loop = null, string? model = null) => new()
    {
        StepId = stepId, StepName = stepId == "b" ? null : $"Step {stepId}", Attempt = attempt, Status = status, LoopIndex = loop, ModelUsed = model,
        StartedAt = T0.AddSeconds(start), CompletedAt = end is { } e ? T0.AddSeconds(e) : null, DurationMs = end is { } d ? (d - start) * 1000 : null,
    };

    private static List<StepTrace> Attempts() =>
    [
        Attempt("a", 1, StepStatus.Failed, 0, 2),
        Attempt("a", 2, StepStatus.Completed, 3, 5, model: "gpt-4o"),
        Attempt("loop", 1, StepStatus.Completed, 5, 6, loop: 0),
        Attempt("b", 1, StepStatus.Completed, 5, 9),
        Attempt("loop", 1, StepStatus.Failed, 6, 7, loop: 1),
        Attempt("loop", 1, StepStatus.Completed, 7, 8, loop: 2),
        Attempt("c", 1, StepStatus.Skipped, 9, 9),
        Attempt("late", 1, StepStatus.Running, 20, null, model: "claude"),
    ];

    public static TheoryData<bool, string?, bool> Views() => new()
    {
        { false, null, false },
        { false, null, true },
        { true, null, false },
        { false, "claude", false },
        { false, "loop", false },
        { false, "Step a", true },
        { true, "nothing matches", false },
    };

    [Theory]
    [MemberData(nameof(Views))]
    public void AreTheRowsTheBuilderMakes(bool failedOnly, string? text, bool loopUnfolded)
    {
        var run = new RunSummary { Id = "run-1", FlowId = "wf", Status = RunStatus.Running, StartedAt = T0 };
        var attempts = Attempts();
        var now = T0.AddSeconds(40);
        var folds = loopUnfolded ? new HashSet<string> { "loop" } : new HashSet<string>();
        var filter = new TimelineFilter(failedOnly, text);
        var state = RunState.FromSnapshot(new RunRecord { Id = "run-1", WorkflowId = "wf" }, attempts, "1", compact: true);

        var eager = TimelineBuilder.Build(run, attempts, now, folds, filter);
        var (lazy, axisMs) = TimelineBuilder.BuildLazy(run, state, now, folds, filter);

        Assert.Equal(eager.Select(Json), lazy.Select(Json));
        Assert.Equal(TimelineBuilder.AxisMs(run, eager, now, TimelineBuilder.Origin(run, attempts, now)), axisMs);
        // Each shown step or iteration is found by its key without making the rows before it.
        for (var i = 0; i < eager.Count; i++)
        {
            if (eager[i].Kind is TimelineRowKind.Step or TimelineRowKind.Iteration)
            {
                Assert.Equal(i, lazy.IndexOf(eager[i].Key));
            }
        }
        Assert.Equal(-1, lazy.IndexOf(new StepKey("missing", null)));
    }

    [Fact]
    public void StartWhereTheBuilderStarts_WhenAStepSaysItStartedBeforeItsRun()
    {
        // The engine's worker clock is 3 s behind its orchestrator's: the first step "started" before the run.
        var run = new RunSummary { Id = "run-1", FlowId = "wf", Status = RunStatus.Completed, StartedAt = T0, DurationMs = 10_000 };
        List<StepTrace> attempts = [Attempt("a", 1, StepStatus.Completed, -3, -1), Attempt("b", 1, StepStatus.Completed, 2, 9)];
        var state = RunState.FromSnapshot(new RunRecord { Id = "run-1", WorkflowId = "wf" }, attempts, "1", compact: true);
        var now = T0.AddSeconds(40);

        var eager = TimelineBuilder.Build(run, attempts, now, new HashSet<string>(), new TimelineFilter());
        var (lazy, axisMs) = TimelineBuilder.BuildLazy(run, state, now, new HashSet<string>(), new TimelineFilter());

        Assert.Equal(eager.Select(Json), lazy.Select(Json));
        Assert.Equal(T0.AddSeconds(-3), Assert.IsType<LazyTimelineRows>(lazy).Origin);
        Assert.Equal([0d, 5_000d], lazy.Select(r => r.Bars[0].StartMs));
        Assert.Equal(13_000, axisMs);
    }

    [Fact]
    public void ShowWhatTheStateHoldsNow_AndHowManyChildRunsAStepStarted()
    {
        var run = new RunSummary { Id = "run-1", FlowId = "wf", Status = RunStatus.Running, StartedAt = T0 };
        var state = RunState.FromSnapshot(new RunRecord { Id = "run-1", WorkflowId = "wf", Status = RunStatus.Running, StartedAt = T0 },
            [Attempt("a", 1, StepStatus.Running, 0, null)], "1", compact: true);
        var (rows, _) = TimelineBuilder.BuildLazy(run, state, T0.AddSeconds(5), new HashSet<string>(), new TimelineFilter());
        var children = new Dictionary<string, IReadOnlyList<RunRecord>> { ["a"] = [new RunRecord { Id = "child", WorkflowId = "wf" }] };

        Dashboard.Model.Reducing.RunReducer.Apply(state, new Dashboard.Model.Events.StepCompleted { Timestamp = T0.AddSeconds(3), StepId = "a", Offset = "2" });

        Assert.Equal(StepStatus.Completed, rows[0].Status);
        Assert.Equal(1, rows.WithChildren(children)[0].ChildRuns);
        Assert.Equal(0, rows[0].ChildRuns);
    }

    private static string Json(TimelineRow row) => JsonSerializer.Serialize(row);
}
