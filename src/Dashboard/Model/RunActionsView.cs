using System.Text.Json;
using Dashboard.Client;
using Dashboard.Client.Errors;
using Dashboard.Model.Control;
using Dashboard.Model.Runs;

namespace Dashboard.Model;

/// <summary>
/// What a viewer may ask of a run and where each request stands: the actions that fit its status, the one being
/// confirmed (with its reason or input), and the run's requests as the service reports them.
/// </summary>
public sealed class RunActionsView
{
    public IReadOnlyList<ControlRequestState> Requests { get; private set; } = [];

    /// <summary>The action waiting for the viewer's confirmation, or null.</summary>
    public string? Confirming { get; private set; }

    /// <summary>For a rerun from a step: which step.</summary>
    public string? FromStep { get; private set; }

    public string Reason { get; set; } = "";

    /// <summary>The JSON sent with a resume or a rerun; for a resume, seeded with what the waiting step was given.</summary>
    public string InputJson { get; set; } = "";

    public string? Problem { get; private set; }

    public bool IsSending { get; private set; }

    // One key per confirmation: a second click on Confirm (or a retry after a lost answer) is the same request.
    private string _idempotencyKey = "";

    /// <summary>The actions that fit a run in <paramref name="status"/>, in the order the page offers them.</summary>
    public static IReadOnlyList<string> Fitting(RunStatus status) => status switch
    {
        RunStatus.Waiting => [ControlActions.Resume, ControlActions.Cancel],
        RunStatus.Running => [ControlActions.Cancel],
        _ when status.IsTerminal() => [ControlActions.Rerun, ControlActions.RerunFromStep],
        _ => [],
    };

    public static string Label(string action, string? step = null) => action switch
    {
        ControlActions.Cancel => "Cancel run",
        ControlActions.Resume => "Resume…",
        ControlActions.Rerun => "Rerun",
        ControlActions.RerunFromStep => step is null ? "Rerun from a step" : $"Rerun from {step}",
        _ => action,
    };

    public void Confirm(string action, string? fromStep = null, JsonElement? seed = null)
    {
        Confirming = action;
        FromStep = fromStep;
        Reason = "";
        Problem = null;
        InputJson = action == ControlActions.Resume
            ? (seed is { } value ? JsonSerializer.Serialize(value, JsonPayload.IndentedOptions) : "{\n  \"approved\": true\n}")
            : "";
        _idempotencyKey = Guid.NewGuid().ToString("N");
    }

    public void Back()
    {
        Confirming = null;
        Problem = null;
    }

    /// <summary>Sends the confirmed request; true when the service took it (it then shows among <see cref="Requests"/>).</summary>
    public async Task<bool> SendAsync(RunProxy run, string? actingFor, CancellationToken cancellationToken)
    {
        if (Confirming is not { } action)
        {
            return false;
        }
        JsonElement? input = null;
        if (!string.IsNullOrWhiteSpace(InputJson))
        {
            try
            {
                input = JsonDocument.Parse(InputJson).RootElement.Clone();
            }
            catch (JsonException ex)
            {
                Problem = $"The input is not JSON: {ex.Message}";
                return false;
            }
        }
        IsSending = true;
        try
        {
            await run.RequestAsync(action, input, action == ControlActions.RerunFromStep ? FromStep : null, string.IsNullOrWhiteSpace(Reason) ? null : Reason.Trim(),
                _idempotencyKey, actingFor, cancellationToken: cancellationToken);
            Confirming = null;
            Problem = null;
            await RefreshAsync(run, cancellationToken);
            return true;
        }
        catch (RunsClientException ex)
        {
            Problem = ex is InvalidInputException ? ex.Message : ListLoadView<object>.Describe(ex).Title;
            return false;
        }
        finally
        {
            IsSending = false;
        }
    }

    public async Task RefreshAsync(RunProxy run, CancellationToken cancellationToken) =>
        Requests = await run.ControlAsync(cancellationToken: cancellationToken);

    public bool HasPending => Requests.Any(r => r.State == "pending");

    /// <summary>"cancel requested by ops 12s ago": what was asked, by whom, when.</summary>
    public static string Describe(ControlRequestState state, DateTimeOffset now) =>
        $"{state.Request.Action.Replace('_', ' ')}{(state.Request.StepId is { } step ? $" {step}" : "")} requested by {state.Request.RequestedBy ?? "someone"} {DisplayFormat.Relative(state.Request.RequestedAt, now)}";

    /// <summary>Where it stands, in words.</summary>
    public static string Standing(ControlRequestState state) => state.State switch
    {
        "done" => state.Outcome switch
        {
            "cancelled" => "done: the engine cancelled the run",
            "resumed" => "done: the engine resumed the run",
            "rerun" => "done: the engine started a new run",
            _ => "done",
        },
        "expired" => "not acted on: no engine reported it in time",
        _ => "pending: waiting for the engine",
    };
}
