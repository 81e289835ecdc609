using Dashboard.Client;
using Dashboard.Client.Errors;
using Dashboard.Model;
using Dashboard.Model.Comparing;
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
        _comparison = null;
        _error = null;
        try
        {
            _comparison = await Client.Run(RunId).CompareWithAsync(OtherRunId, cancellationToken: _disposed.Token);
        }
        catch (RunNotFoundException)
        {
            _error = "One of the two runs does not exist, or is not one you may see.";
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
        builder.OpenElement(1, "a");
        builder.AddAttribute(2, "href", DashboardUrls.Run(runId, step.StepId, step.LoopIndex));
        builder.AddContent(3, $"{side.Status.ToString().ToLowerInvariant()}{(side.Attempts > 1 ? $" after {side.Attempts} attempts" : "")}");
        builder.CloseElement();
        builder.AddContent(4, $" · {DisplayFormat.Duration(side.DurationMs)}{(side.ErrorMessage is null ? "" : " · " + side.ErrorMessage)}");
    };

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

    private static string Summary(RunComparison comparison) => comparison.FirstDivergence is { } index
        ? $"They first diverge at step {index + 1} of {comparison.Steps.Count} ({comparison.Steps[index].StepName ?? comparison.Steps[index].StepId}); right minus left: {(comparison.DurationDeltaMs is { } d ? Signed(d) : "—")}, {DisplayFormat.Money(comparison.CostDeltaUsd)}."
        : $"The {comparison.Steps.Count} steps ended the same way with the same outputs.";

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}
