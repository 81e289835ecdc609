using System.Text.Json;
using Dashboard.Model.Events;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;

namespace Dashboard.Model.Tests;

/// <summary>
/// A viewer's compact state (attempts as rows of arrays) must hold every attempt as the ordinary state does, payloads
/// aside, and move on under live events exactly as it would: these compare the two on the same events.
/// </summary>
public sealed class CompactRunStateTests
{
    private readonly Events _e = new();

    private List<RunEvent> MixedRun()
    {
        var started = _e.Started();
        var events = new List<RunEvent>
        {
            started,
            _e.StepStarted("fetch", input: new { url = "https://example.test" }),
            _e.StepFailed("fetch", message: "timeout <script>alert(1)</script>", willRetry: true, cost: 0.001m, tokens: Events.Tokens(10, 2), model: "gpt-4o"),
            _e.StepStarted("fetch", attempt: 2),
            _e.StepCompleted("fetch", attempt: 2, output: new { ok = true }, model: "gpt-4o", tokens: Events.Tokens(120, 30, cached: 100), cost: 0.00030m, durationMs: 1500),
            _e.StepSkipped("notify", reason: "nobody to tell"),
            _e.StepStarted("ünïcode-step ✓", input: 1),
            _e.StepCompleted("ünïcode-step ✓", model: "claude-3"),
            _e.StepStarted("gives-up"),
            _e.StepFailed("gives-up", willRetry: false),
        };
        for (var i = 0; i < 3; i++)
        {
            events.Add(_e.StepStarted("map", loopIndex: i));
            events.Add(i == 1 ? _e.StepFailed("map", loopIndex: i) : _e.StepCompleted("map", loopIndex: i, cost: 0.01m));
        }
        events.Add(_e.StepStarted("truncated") with { Truncated = new Dictionary<string, long> { ["input"] = 9_000_000 } });
        events.Add(_e.StepStarted("still-running"));
        return events;
    }

    private static RunState Reduce(IEnumerable<RunEvent> events, RunState? into = null)
    {
        var state = into ?? new RunState("run-1");
        foreach (var e in events)
        {
            var result = RunReducer.Apply(state, e);
            Assert.True(result.Outcome == ReduceOutcome.Applied, $"{e.GetType().Name}: {result.Rejection}");
        }
        return state;
    }

    /// <summary>As a viewer reads it (the service's snapshot says each entry's attempt count on its latest attempt), in one form or the other.</summary>
    private static RunState Snapshot(RunState state, bool compact = true) =>
        RunState.FromSnapshot(state.Record!, state.Steps.SelectMany(s => s.Attempts.Select(a => a == s.Latest ? a with { AttemptCount = s.Attempts.Count } : a)).ToList(),
            state.Offset, compact);

    /// <summary>Every field as JSON, payloads left out (a compact state does not keep them).</summary>
    private static List<string> Attempts(RunState state) =>
        state.Steps.SelectMany(s => s.Attempts).Select(a => JsonSerializer.Serialize(a with { InputContext = null, OutputContext = null, MappedOutput = null })).ToList();

    [Fact]
    public void HoldsEveryAttemptAsTheOrdinaryStateDoes_PayloadsAside()
    {
        var state = Snapshot(Reduce(MixedRun()), compact: false);

        var compact = Snapshot(state);

        Assert.Equal(Attempts(state), Attempts(compact));
        Assert.Equal(state.StepOrder, compact.StepOrder);
        Assert.Equal((state.DistinctStepCount, state.StepEntryCount, state.AttemptCount, state.IterationCount),
            (compact.DistinctStepCount, compact.StepEntryCount, compact.AttemptCount, compact.IterationCount));
        Assert.Equal(state.Iterations("map").Select(h => h.Key), compact.Iterations("map").Select(h => h.Key));
        Assert.Equal(state.OrderOf(new StepKey("map", 2)), compact.OrderOf(new StepKey("map", 2)));
        Assert.Equal(-1, compact.OrderOf(new StepKey("map", 7)));
        Assert.Null(compact.GetStep("unknown"));
        Assert.Null(compact.GetStep("fetch")!.Latest.OutputContext);
        Assert.Equal("timeout <script>alert(1)</script>", compact.GetStep("fetch")!.Attempts[0].ErrorContext!.Message);
    }

    [Fact]
    public void KeepsAttemptsTheRowsCannotHold_Whole()
    {
        var plus2 = new DateTimeOffset(2026, 11, 23, 11, 0, 0, TimeSpan.FromHours(2));
        var unusual = new StepTrace
        {
            StepId = "odd", Status = StepStatus.Completed, StartedAt = plus2, CompletedAt = plus2.AddSeconds(1),
            InputSizeBytes = 5_000_000_000, Tokens = new TokenBreakdown { Prompt = 3_000_000_000 }, SkipReason = "kept",
        };
        var state = RunState.FromSnapshot(new RunRecord { Id = "run-1", WorkflowId = "wf" }, [unusual], "1", compact: true);

        Assert.Equal(JsonSerializer.Serialize(unusual), JsonSerializer.Serialize(state.GetStep("odd")!.Latest));
        Assert.Equal(TimeSpan.FromHours(2), state.GetStep("odd")!.Latest.StartedAt!.Value.Offset);
    }

    [Fact]
    public void MovesOnUnderLiveEvents_AsTheOrdinaryStateDoes()
    {
        var ordinary = Snapshot(Reduce(MixedRun()), compact: false);
        var compact = Snapshot(ordinary);
        var more = new List<RunEvent>
        {
            _e.StepCompleted("still-running", cost: 0.5m),
            _e.StepStarted("map", loopIndex: 3),
            _e.StepStarted("fetch", attempt: 3),
            _e.StepStarted("late"),
            _e.Failed("gave up"),
        };

        Reduce(more, ordinary);
        compact.TrackChanges();
        Reduce(more, compact);

        Assert.Equal(Attempts(ordinary), Attempts(compact));
        Assert.Equal(ordinary.Record, compact.Record);
        Assert.Contains(new StepKey("late", null), compact.TakeChanges());
        // The run's end interrupted the attempts still running, in both.
        Assert.Equal(StepStatus.Failed, compact.GetStep("late")!.Latest.Status);
    }

    [Fact]
    public void ARejectedBatch_LeavesTheCompactStateAsItWas()
    {
        var ordinary = Snapshot(Reduce(MixedRun()), compact: false);
        var compact = Snapshot(ordinary);
        var before = Attempts(compact);
        var order = compact.StepOrder.ToList();
        var counts = (compact.DistinctStepCount, compact.AttemptCount, compact.IterationCount);

        var batch = new List<RunEvent>
        {
            _e.StepStarted("new-step"),
            _e.StepStarted("map", loopIndex: 9),
            _e.StepStarted("fetch", attempt: 3),
            _e.StepCompleted("still-running"),
            _e.StepCompleted("no-such-step-started", attempt: 5),
            _e.StepCompleted("fetch", attempt: 99),
        };
        var result = RunReducer.ApplyBatch(compact, batch);

        Assert.False(result.Accepted);
        Assert.Equal(before, Attempts(compact));
        Assert.Equal(order, compact.StepOrder);
        Assert.Equal(counts, (compact.DistinctStepCount, compact.AttemptCount, compact.IterationCount));
        Assert.Null(compact.GetStep("new-step"));
        Assert.Null(compact.GetStep("map", 9));
        // And it still takes the same events once they are right.
        Reduce(batch.Take(4), compact);
        Reduce(batch.Take(4), ordinary);
        Assert.Equal(Attempts(ordinary), Attempts(compact));
    }

    [Fact]
    public void ManySteps_AreFoundByKey_AfterTheTableGrows()
    {
        var attempts = Enumerable.Range(0, 5_000).Select(i => new StepTrace
        {
            StepId = $"step-{i}", StepName = $"Step {i}", LoopIndex = i % 7 == 0 ? i % 3 : null, Status = StepStatus.Completed,
        }).ToList();
        var state = RunState.FromSnapshot(new RunRecord { Id = "run-1", WorkflowId = "wf" }, attempts, "1", compact: true);

        Assert.Equal(5_000, state.StepEntryCount);
        Assert.All(Enumerable.Range(0, 5_000), i => Assert.Equal(i, state.OrderOf(new StepKey($"step-{i}", i % 7 == 0 ? i % 3 : null))));
        Assert.Equal("Step 4321", state.LatestAt(4321).StepName);
    }
}
