using Dashboard.Client;
using Dashboard.Client.Errors;
using Dashboard.Model;
using Dashboard.Model.Control;
using Dashboard.Model.Runs;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Components.Controls;

/// <summary>
/// Cancel, resume (with input), rerun and rerun from the selected step, each confirmed first; and the run's requests
/// with their state, read again when the run has news and every two seconds while one is pending (a rerun's outcome is
/// another run's event).
/// </summary>
public sealed partial class RunActions : IDisposable
{
    private readonly RunActionsView _view = new();
    private readonly CancellationTokenSource _disposed = new();
    private PeriodicTimer? _poll;
    private string? _runId;
    private string? _version;

    [Parameter, EditorRequired]
    public RunRecord Run { get; set; } = null!;

    /// <summary>Changes when the run has news: the requests are read again.</summary>
    [Parameter]
    public string? Version { get; set; }

    /// <summary>The step selected on the page: what "Rerun from" starts at.</summary>
    [Parameter]
    public string? SelectedStepId { get; set; }

    [Inject]
    public required Security.ViewerScope Viewer { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    private DateTimeOffset Now => Clock.GetUtcNow();

    private bool CanAct => Viewer.Access.CanAct(Run.WorkflowId);

    private RunProxy Proxy => Viewer.Client.Run(Run.Id);

    protected override async Task OnParametersSetAsync()
    {
        if (Run.Id != _runId || Version != _version)
        {
            (_runId, _version) = (Run.Id, Version);
            await RefreshAsync();
        }
    }

    private async Task RefreshAsync()
    {
        try
        {
            await _view.RefreshAsync(Proxy, _disposed.Token);
        }
        catch (RunsClientException)
        {
            // The run's page says when the service is unreachable; the requests are read again on its next news.
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
        }
        if (_view.HasPending && _poll is null)
        {
            _ = PollAsync();
        }
    }

    private async Task PollAsync()
    {
        using var poll = _poll = new PeriodicTimer(TimeSpan.FromSeconds(2), Clock);
        try
        {
            while (await poll.WaitForNextTickAsync(_disposed.Token) && _view.HasPending)
            {
                await InvokeAsync(async () =>
                {
                    await _view.RefreshAsync(Proxy, _disposed.Token);
                    StateHasChanged();
                });
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or RunsClientException or ObjectDisposedException)
        {
        }
        finally
        {
            _poll = null;
        }
    }

    private async Task StartAsync(string action)
    {
        System.Text.Json.JsonElement? seed = null;
        if (action == ControlActions.Resume && Run.WaitingStepId is { } step)
        {
            try
            {
                // What the step asked for: its input, as the form's starting point.
                seed = (await Proxy.StepTraceAsync(step, cancellationToken: _disposed.Token)).Latest.InputContext;
            }
            catch (RunsClientException)
            {
            }
        }
        _view.Confirm(action, action == ControlActions.RerunFromStep ? SelectedStepId : null, seed);
    }

    private async Task SendAsync()
    {
        if (await _view.SendAsync(Proxy, Viewer.UserName ?? "a dashboard user", _disposed.Token) && _view.HasPending && _poll is null)
        {
            _ = PollAsync();
        }
    }

    private string Question(string action) => action switch
    {
        ControlActions.Cancel => "Ask the engine to cancel this run? Steps in progress are stopped.",
        ControlActions.Resume => $"Resume the run{(Run.WaitingStepId is { } step ? $" at step {step}" : "")} with this input?",
        ControlActions.Rerun => "Ask the engine to run this workflow again, as a new run linked to this one?",
        _ => $"Ask the engine to run this workflow again from step {_view.FromStep}, reusing the outputs of the steps before it?",
    };

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}
