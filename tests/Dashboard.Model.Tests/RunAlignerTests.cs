using System.Text.Json;
using Dashboard.Model.Comparing;
using Dashboard.Model.Runs;

namespace Dashboard.Model.Tests;

public sealed class RunAlignerTests
{
    private static readonly RunRecord Left = new() { Id = "a", WorkflowId = "wf", DurationMs = 1000, CostUsd = 0.01m };
    private static readonly RunRecord Right = new() { Id = "b", WorkflowId = "wf", DurationMs = 1500, CostUsd = 0.025m };

    private static StepTrace Step(string id, StepStatus status = StepStatus.Completed, string? output = null, string? input = null, int? loop = null,
        string? error = null, long duration = 100) => new()
    {
        StepId = id,
        Status = status,
        LoopIndex = loop,
        DurationMs = duration,
        OutputContext = output is null ? null : JsonDocument.Parse(output).RootElement.Clone(),
        InputContext = input is null ? null : JsonDocument.Parse(input).RootElement.Clone(),
        ErrorContext = error is null ? null : new ErrorInfo { Message = error },
    };

    [Fact]
    public void IdenticalRuns_HaveNoDivergence()
    {
        StepTrace[] steps = [Step("fetch", output: """{"n":1,"m":2}"""), Step("send")];
        StepTrace[] same = [Step("fetch", output: """{"m":2,"n":1.0}"""), Step("send")];

        var comparison = RunAligner.Compare(Left, steps, Right, same);

        Assert.Null(comparison.FirstDivergence);
        Assert.All(comparison.Steps, s => Assert.Equal(StepDifference.Same, s.Difference));
        Assert.Equal(500, comparison.DurationDeltaMs);
        Assert.Equal(0.015m, comparison.CostDeltaUsd);
        Assert.Null(RunAligner.Compare(Left with { CostUsd = null }, steps, Right with { CostUsd = null }, same).CostDeltaUsd);
        Assert.Equal(0.025m, RunAligner.Compare(Left with { CostUsd = null }, steps, Right, same).CostDeltaUsd);
    }

    [Fact]
    public void TheFirstDivergence_IsTheFirstRowThatDiffers_InTheLeftRunsOrder()
    {
        StepTrace[] good = [Step("fetch", output: "1"), Step("charge", output: """{"ok":true}"""), Step("notify")];
        StepTrace[] bad = [Step("fetch", output: "1"), Step("charge", StepStatus.Failed, error: "card declined"), Step("notify", StepStatus.Skipped)];

        var comparison = RunAligner.Compare(Left, good, Right, bad);

        Assert.Equal(1, comparison.FirstDivergence);
        Assert.Equal([StepDifference.Same, StepDifference.Status, StepDifference.Status], comparison.Steps.Select(s => s.Difference));
        Assert.Equal("card declined", comparison.Steps[1].Right!.ErrorMessage);
    }

    [Fact]
    public void OutputErrorAndInputDifferences_AreToldApart()
    {
        Assert.Equal(StepDifference.Output, RunAligner.DifferenceOf(Step("s", output: "1"), Step("s", output: "2")));
        Assert.Equal(StepDifference.Error, RunAligner.DifferenceOf(Step("s", StepStatus.Failed, error: "x"), Step("s", StepStatus.Failed, error: "y")));
        Assert.Equal(StepDifference.Input, RunAligner.DifferenceOf(Step("s", input: """{"q":1}"""), Step("s", input: """{"q":2}""")));
        Assert.Equal(StepDifference.Output, RunAligner.DifferenceOf(Step("s", output: "1"), Step("s")));
    }

    [Fact]
    public void StepsOfOneRunOnly_AreKept_WhereTheyHappened_AndIterationsAlignByIndex()
    {
        StepTrace[] left = [Step("fetch"), Step("item", loop: 0), Step("item", loop: 1), Step("legacy"), Step("send")];
        StepTrace[] right = [Step("fetch"), Step("validate"), Step("item", loop: 0), Step("item", loop: 1, output: "2"), Step("item", loop: 2), Step("send")];

        var comparison = RunAligner.Compare(Left, left, Right, right);

        Assert.Equal(
            [("fetch", null, StepDifference.Same), ("validate", null, StepDifference.OnlyRight), ("item", 0, StepDifference.Same),
                ("item", 1, StepDifference.Output), ("item", 2, StepDifference.OnlyRight), ("legacy", null, StepDifference.OnlyLeft), ("send", null, StepDifference.Same)],
            comparison.Steps.Select(s => (s.StepId, s.LoopIndex, s.Difference)));
        Assert.Equal(1, comparison.FirstDivergence);
    }
}
