using Dashboard.Client;
using Dashboard.Client.Errors;
using Dashboard.Model;
using Dashboard.Model.Comparing;
using Dashboard.Model.Runs;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Components.Pages;

/// <summary>
/// Two runs side by side (<c>/runs/{a}/compare/{b}</c>): their steps aligned by the service, the first divergence marked,
/// each side linking to that step in its own run, where the attempts can be compared field by field.
/// </summary>
public sealed partial class ComparePage : IDisposable
{
    private readonly CancellationTokenSource _disposed = new();
    private RunComparison? _comparison;
    private string? _error;
    private readonly Dictionary<int, CompareDiff> _diffs = [];
    private const string NotFound = "One of the two runs does not exist, or is not one you may see.";

    [Parameter]
    public required string RunId { get; set; }

    [Parameter]
    public required string OtherRunId { get; set; }

    [Inject]
    public required IRunsClient Client { get; init; }

    [Inject]
    public required TimeDisplay Time { get; init; }

    protected override async Task OnParametersSetAsync()
    {
        _diffs.Clear();
        _comparison = null;
        _error = null;
        if (Ids.Problem(RunId) is not null || Ids.Problem(OtherRunId) is not null)
        {
            // An id no run can have: the client would refuse it before any call (an ArgumentException, the error page).
            _error = NotFound;
            return;
        }
        try
        {
            _comparison = await Client.Run(RunId).CompareWithAsync(OtherRunId, cancellationToken: _disposed.Token);
        }
        catch (RunNotFoundException)
        {
            _error = NotFound;
        }
        catch (RunsClientException ex)
        {
            _error = ex.Message;
        }
    }

    private static RenderFragment SideText(string runId, ComparedStep step, ComparedAttempt? side) => builder =>
    {
        if (side is null)
        {
            builder.AddContent(0, "did not run");
            return;
        }
        builder.OpenElement(1, "span");
        builder.AddAttribute(2, "class", "side-status");
        builder.OpenElement(3, "a");
        builder.AddAttribute(4, "href", DashboardUrls.Run(runId, step.StepId, step.LoopIndex));
        builder.AddContent(5, $"{side.Status.ToString().ToLowerInvariant()}{(side.Attempts > 1 ? $" after {side.Attempts} attempts" : "")}");
        builder.CloseElement();
        builder.AddContent(6, $" · {DisplayFormat.Duration(side.DurationMs)}");
        builder.CloseElement();
        if (side.ErrorMessage is { } message)
        {
            // On a line of its own, cut at three lines with the whole in its title: in 800 px a refund's one-sentence
            // error beside the other columns made a row ten lines tall.
            builder.OpenElement(7, "span");
            builder.AddAttribute(8, "class", "side-error");
            builder.AddAttribute(9, "title", message);
            builder.AddContent(10, message);
            builder.CloseElement();
        }
    };

    /// <summary>Whether any step's cost differs between the runs (else the page has no Δ cost column to leave empty).</summary>
    private static bool HasCostDeltas(RunComparison comparison) => comparison.Steps.Any(s => s.CostDeltaUsd is { } cost && cost != 0);

    /// <summary>A row's payloads side by side: both runs' latest attempts of the step, read when the row is opened.</summary>
    private async Task ToggleDiffAsync(int row)
    {
        if (_diffs.Remove(row) || _comparison is not { } comparison)
        {
            return;
        }
        var step = comparison.Steps[row];
        var diff = _diffs[row] = new CompareDiff { Field = CompareDiff.FieldFor(step.Difference) };
        try
        {
            var left = Client.Run(comparison.Left.Id).StepTraceAsync(step.StepId, loopIndex: step.LoopIndex, cancellationToken: _disposed.Token);
            var right = Client.Run(comparison.Right.Id).StepTraceAsync(step.StepId, loopIndex: step.LoopIndex, cancellationToken: _disposed.Token);
            (diff.Left, diff.Right) = ((await left).Latest, (await right).Latest);
        }
        catch (RunsClientException ex)
        {
            diff.Problem = $"The attempts could not be read: {ListLoadView<object>.Describe(ex).Title}.";
        }
    }

    private void SetField(int row, string field)
    {
        if (_diffs.TryGetValue(row, out var diff))
        {
            diff.Field = field;
        }
    }

    private static string DifferenceText(StepDifference difference) => difference switch
    {
        StepDifference.Same => "same",
        StepDifference.Status => "outcome differs",
        StepDifference.Error => "different error",
        StepDifference.Output => "output differs",
        StepDifference.Input => "input differs (output the same)",
        StepDifference.OnlyLeft => "only in the left run",
        _ => "only in the right run",
    };

    private static string Signed(long milliseconds) => (milliseconds > 0 ? "+" : milliseconds < 0 ? "−" : "") + DisplayFormat.Duration(Math.Abs(milliseconds));

    private static string SignedMoney(decimal usd) => (usd > 0 ? "+" : usd < 0 ? "−" : "") + DisplayFormat.Money(Math.Abs(usd));

    private static string Summary(RunComparison comparison) => comparison.FirstDivergence is { } index
        ? $"They first diverge at step {index + 1} of {comparison.Steps.Count} ({comparison.Steps[index].StepName ?? comparison.Steps[index].StepId}); right minus left: {(comparison.DurationDeltaMs is { } d ? Signed(d) : "—")}{(comparison.CostDeltaUsd is { } c ? ", " + SignedMoney(c) : "")}."
        : $"The {comparison.Steps.Count} steps ended the same way with the same outputs.";

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}
