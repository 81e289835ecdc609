using Dashboard.Model.Reducing;
using Dashboard.Model.Rollups;

namespace Dashboard.Model.Tests;

public sealed class RollupCalculatorTests
{
    private readonly Events _e = new();

    private RunState AgentRun(string runId)
    {
        var state = new RunState(runId);
        var result = RunReducer.ApplyBatch(state,
        [
            _e.Started(),
            _e.StepStarted("plan"),
            _e.StepCompleted("plan", model: "gpt-4o", tokens: Events.Tokens(1000, 100, cached: 600), cost: 0.0035m),
            _e.StepStarted("call-tool", attempt: 1),
            _e.StepFailed("call-tool", attempt: 1, willRetry: true, model: "gpt-4o-mini", tokens: Events.Tokens(200, 20), cost: 0.0001m),
            _e.StepStarted("call-tool", attempt: 2),
            _e.StepCompleted("call-tool", attempt: 2, model: "gpt-4o-mini", tokens: Events.Tokens(200, 30), cost: 0.0001m),
            _e.StepStarted("embed", loopIndex: 0),
            _e.StepCompleted("embed", loopIndex: 0, model: "embed-3", tokens: Events.Tokens(50, 0), cost: 0.000001m),
            _e.StepStarted("embed", loopIndex: 1),
            _e.StepCompleted("embed", loopIndex: 1, model: "embed-3", tokens: Events.Tokens(70, 0), cost: 0.000001m),
            _e.StepStarted("notify"),
            _e.StepCompleted("notify"),
            _e.Completed(),
        ]);
        Assert.True(result.Accepted, result.Rejection?.ToString());
        return state;
    }

    [Fact]
    public void ForRun_CountsEveryAttemptAndIteration_Exactly()
    {
        var state = AgentRun("run-1");
        var rollup = RollupCalculator.ForRun(state);

        Assert.Equal(0.003702m, rollup.CostUsd);
        Assert.Equal(1520, rollup.Tokens.Prompt);
        Assert.Equal(600, rollup.Tokens.Cached);
        Assert.Equal(150, rollup.Tokens.Completion);
        Assert.Equal(1670, rollup.Tokens.Total);
        Assert.Equal(6, rollup.Attempts);
        Assert.Equal(1, rollup.FailedAttempts);
        Assert.Equal(1, rollup.Retries);
        Assert.Equal(state.Record!.DurationMs, rollup.WallDurationMs);
        Assert.Equal(6000, rollup.StepDurationMs);

        // The record the reducer keeps and the rollup agree.
        Assert.Equal(state.Record.CostUsd, rollup.CostUsd);
        Assert.Equal(state.Record.TotalTokens, rollup.Tokens.Total);
        Assert.Equal(state.Record.CachedTokens, rollup.Tokens.Cached);
    }

    [Fact]
    public void ForRun_BreaksDownByModelAndByStep()
    {
        var rollup = RollupCalculator.ForRun(AgentRun("run-1"));

        Assert.Equal(["gpt-4o", "gpt-4o-mini", "embed-3"], rollup.ByModel.Select(m => m.Model));
        var mini = rollup.ByModel[1];
        Assert.Equal((2, 0.0002m, 450L), (mini.Calls, mini.CostUsd!.Value, mini.Tokens.Total));

        Assert.Equal(["plan", "call-tool", "embed", "notify"], rollup.ByStep.Select(s => s.StepId));
        var embed = rollup.ByStep[2];
        Assert.Equal((2, 2, 0.000002m), (embed.Attempts, embed.Iterations, embed.CostUsd!.Value));
        Assert.Null(rollup.ByStep[3].CostUsd);
        Assert.Equal(rollup.CostUsd, rollup.ByStep.Sum(s => s.CostUsd ?? 0m));
        Assert.Equal(rollup.CostUsd, rollup.ByModel.Sum(m => m.CostUsd ?? 0m));
    }

    [Fact]
    public void AStepStillRunning_IsCountedAsNotEnded_NotAsNoTime()
    {
        var state = new RunState("r");
        RunReducer.ApplyBatch(state, [_e.Started(), _e.StepStarted("a"), _e.StepCompleted("a"), _e.StepStarted("approve"), _e.StepStarted("b"), _e.StepFailed("b", willRetry: true), _e.StepStarted("b", attempt: 2)]);

        var rollup = RollupCalculator.ForRun(state);

        var byStep = rollup.ByStep.ToDictionary(s => s.StepId);
        Assert.Equal(0, byStep["a"].Unfinished);
        Assert.Equal((1, 0L), (byStep["approve"].Unfinished, byStep["approve"].DurationMs));
        Assert.Equal((2, 1), (byStep["b"].Attempts, byStep["b"].Unfinished));
    }

    [Fact]
    public void ForRun_WithNoCostAnywhere_HasNullCostNotZero()
    {
        var state = new RunState("r");
        RunReducer.ApplyBatch(state, [_e.Started(), _e.StepStarted("a"), _e.StepCompleted("a")]);
        var rollup = RollupCalculator.ForRun(state);
        Assert.Null(rollup.CostUsd);
        Assert.Empty(rollup.ByModel);
        Assert.Null(rollup.WallDurationMs);
    }

    [Fact]
    public void ForFamily_CountsEachChildOnce_AndKeepsThemApart()
    {
        var parent = RollupCalculator.ForRun(AgentRun("parent"));
        var child = RollupCalculator.ForRun(AgentRun("child"));

        var family = RollupCalculator.ForFamily(parent, [child, child, parent]);

        Assert.Equal([child.RunId], family.Children.Select(c => c.RunId));
        Assert.Equal(0.007404m, family.Total.CostUsd);
        Assert.Equal(parent.Tokens.Total * 2, family.Total.Tokens.Total);
        Assert.Equal(parent.Tokens.Cached * 2, family.Total.Tokens.Cached);
        Assert.Equal(12, family.Total.Attempts);
        Assert.Equal(4, family.Total.ByModel.Single(m => m.Model == "gpt-4o-mini").Calls);
        Assert.Same(parent, family.Run);
    }
}
