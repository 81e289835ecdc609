using Bunit;
using Dashboard.Components.Controls;
using Dashboard.Model.Events;
using Dashboard.Model.Runs;

namespace Dashboard.Web.Tests;

/// <summary>The run page's tree of child runs over a real runs service: two levels at once, deeper on demand, the failing branch marked.</summary>
public sealed class ChildRunTreeTests : RealServiceTestContext
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private async Task StartAsync(string runId, string workflowId, string? parent = null, string? parentStep = null, bool fail = false, decimal? cost = null)
    {
        var events = new List<RunEvent>
        {
            new RunStarted { Timestamp = T0, WorkflowId = workflowId, WorkflowName = "<b>" + workflowId + "</b>", ParentRunId = parent, ParentStepId = parentStep },
            new StepStarted { Timestamp = T0.AddSeconds(1), StepId = "work" },
        };
        if (fail)
        {
            events.Add(new StepFailed { Timestamp = T0.AddSeconds(2), StepId = "work", WillRetry = false, Error = new ErrorInfo { Message = "boom" } });
            events.Add(new RunFailed { Timestamp = T0.AddSeconds(3), Error = new ErrorInfo { Message = "boom" } });
        }
        else
        {
            events.Add(new StepCompleted { Timestamp = T0.AddSeconds(2), StepId = "work", CostUsd = cost });
        }
        await Real.ReportAsync(runId, events, cancellationToken: Token);
    }

    [Fact]
    public async Task TwoLevelsShow_TheFailingBranchIsMarked_AndADeeperBranchLoadsWhenUnfolded()
    {
        var root = $"root-{Guid.NewGuid():N}";
        var (ok, bad, badChild, deep) = ($"ok-{Guid.NewGuid():N}", $"bad-{Guid.NewGuid():N}", $"badchild-{Guid.NewGuid():N}", $"deep-{Guid.NewGuid():N}");
        await StartAsync(root, "wf-root");
        await StartAsync(ok, "wf-ok", root, "provision", cost: 0.5m);
        await StartAsync(bad, "wf-bad", root);
        await StartAsync(badChild, "wf-bad-child", bad, fail: true);
        await StartAsync(deep, "wf-deep", badChild);

        var cut = Render<ChildRunTree>(p => p.Add(c => c.RunId, root));

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("li.node").Count), TimeSpan.FromSeconds(10));
        Assert.Contains("from step provision", cut.Find($"li[data-run='{ok}']").TextContent, StringComparison.Ordinal);
        Assert.Contains("$0.50", cut.Find($"li[data-run='{ok}']").TextContent, StringComparison.Ordinal);
        Assert.Equal("<b>wf-ok</b>", cut.Find($"li[data-run='{ok}'] a").TextContent);
        Assert.Empty(cut.FindAll("li.node b"));
        // The failing run and the branch above it are marked; the good one is not.
        Assert.Contains("failing", cut.Find($"li[data-run='{bad}']").ClassList);
        Assert.Contains("failing", cut.Find($"li[data-run='{badChild}']").ClassList);
        Assert.DoesNotContain("failing", cut.Find($"li[data-run='{ok}']").ClassList);
        // Beyond two levels: counted, read when unfolded.
        Assert.Equal("false", cut.Find($"li[data-run='{badChild}']").GetAttribute("aria-expanded"));
        Assert.Empty(cut.FindAll($"li[data-run='{deep}']"));

        cut.Find($"button[aria-label='Unfold {badChild}']").Click();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll($"li[data-run='{deep}']")), TimeSpan.FromSeconds(10));
        Assert.Equal("true", cut.Find($"li[data-run='{badChild}']").GetAttribute("aria-expanded"));
    }
}
