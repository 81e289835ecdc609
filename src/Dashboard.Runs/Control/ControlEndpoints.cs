using System.Text.Json;
using Dashboard.Model.Control;
using Dashboard.Model.Errors;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;
using Dashboard.Runs.Access;
using Dashboard.Runs.Api;
using Dashboard.Runs.Configuration;
using Dashboard.Runs.Endpoints;
using Dashboard.Runs.Ingestion;
using Dashboard.Runs.Projections;
using Dashboard.Streams.Core;
using Dashboard.Streams.Hosting;
using Dashboard.Streams.Http;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs.Control;

/// <summary>
/// Acting on runs: <c>POST /api/runs/{runId}/actions</c> appends a request to the workflow's control stream
/// (<c>GET /api/workflows/{workflowId}/control</c>, which engines follow); <c>GET /api/runs/{runId}/control</c> is a
/// run's requests with their state.
/// </summary>
internal static class ControlEndpoints
{
    /// <summary>Who the request is made for, as the dashboard says (its signed-in user); shown, not trusted for access.</summary>
    public const string ActingForHeader = "Runs-Acting-For";

    private static readonly StreamReadHooks StreamHooks = new() { Fail = ApiError.FromStreamStatusAsync, Transform = RunStreams.WithOffset };

    public static void Map(RouteGroupBuilder timed, RouteGroupBuilder live)
    {
        timed.MapPost("/runs/{runId}/actions", ActAsync).WithName("RequestAction").WithTags("Control")
            .WithSummary("Asks the run's engine to cancel, resume (with input), rerun or rerun from a step: appended to the workflow's control stream; 202 with the requestId and its offset. Needs the control scope; Idempotency-Key makes a resend return the same request.")
            .Produces<ActionAccepted>(202);
        timed.MapGet("/runs/{runId}/control", Requests).WithName("GetRunControl").WithTags("Control")
            .WithSummary("The run's control requests, oldest first, each with its state: pending, done (with the engine's outcome and, for a rerun, the new run) or expired.")
            .Produces<ControlRequestState[]>();
        live.MapGet("/workflows/{workflowId}/control", StreamAsync).WithName("GetControlStream").WithTags("Control")
            .WithSummary("The workflow's control stream (Durable Streams, JSON): offset=-1|now|X, live=long-poll|sse; what engines follow. Needs the ingest or control scope.")
            .WithQuery(QueryParameter.StreamRead);
    }

    private static async Task<IResult> ActAsync(HttpContext context, string runId, RunQueries queries, ControlRequests requests)
    {
        var caller = Caller.Of(context);
        if (!caller.Can(Caller.ControlScope))
        {
            return ApiError.Result(context, 403, ErrorCodes.AuthorizationError, "This key may not act on runs (it needs the control scope).");
        }
        if (RunReadEndpoints.Visible(context, runId, queries, Caller.ControlScope) is not { } row)
        {
            return ApiError.RunNotFound(context);
        }
        var key = context.Request.Headers["Idempotency-Key"].ToString();
        if (key.Length > ControlRequests.MaxIdempotencyKeyLength)
        {
            return ApiError.Invalid(context, $"Idempotency-Key is at most {ControlRequests.MaxIdempotencyKeyLength} characters.");
        }
        var body = await StreamRequestReader.ReadBodyAsync(context, ControlRequests.MaxInputBytes + 16 * 1024);
        if (body is null)
        {
            return ApiError.Result(context, 413, ErrorCodes.InvalidInput, $"The request is over {ControlRequests.MaxInputBytes / 1024} KiB of input.");
        }
        ActionRequest? action;
        try
        {
            action = JsonSerializer.Deserialize<ActionRequest>(body, ModelJson.Options);
        }
        catch (JsonException)
        {
            return ApiError.Invalid(context, "Send a JSON object: {\"action\": \"cancel\" | \"resume\" | \"rerun\" | \"rerun_from_step\", \"input\"?, \"stepId\"?, \"reason\"?}.");
        }
        var run = JsonSerializer.Deserialize<RunRecord>(row.Json, ModelJson.Options)!;
        if (Problem(action, run, requests) is { } problem)
        {
            return ApiError.Invalid(context, problem);
        }
        var requestedBy = context.Request.Headers[ActingForHeader].ToString() is { Length: > 0 and <= 200 } user ? user : caller.Name;
        var accepted = requests.Append(run, action!.Action!, action.Input, action.StepId, action.Reason, requestedBy, key.Length == 0 ? null : key);
        return Results.Json(accepted, ModelJson.Options, statusCode: 202);
    }

    private static string? Problem(ActionRequest? action, RunRecord run, ControlRequests requests)
    {
        if (action?.Action is not { } name)
        {
            return "action is required: cancel, resume, rerun or rerun_from_step.";
        }
        if (action.Reason is { Length: > ControlRequests.MaxReasonLength })
        {
            return $"reason is at most {ControlRequests.MaxReasonLength} characters.";
        }
        if (action.Input is not null && name is not (ControlActions.Resume or ControlActions.Rerun or ControlActions.RerunFromStep))
        {
            return "input goes with resume and rerun only.";
        }
        if (action.Input is { } input && System.Text.Encoding.UTF8.GetByteCount(input.GetRawText()) > ControlRequests.MaxInputBytes)
        {
            return $"input is at most {ControlRequests.MaxInputBytes / 1024} KiB.";
        }
        if (name == ControlActions.RerunFromStep && action.StepId is null)
        {
            return "stepId is required with rerun_from_step.";
        }
        if (action.StepId is not null && name != ControlActions.RerunFromStep)
        {
            return "stepId goes with rerun_from_step only.";
        }
        if (action.StepId is { } stepId && Ids.Problem(stepId) is { } idProblem)
        {
            return $"stepId {idProblem}.";
        }
        bool? hasStep = action.StepId is { } step ? requests.HasStep(run.Id, step) : null;
        return ControlActions.Problem(name, run.Status, hasStep);
    }

    private static IResult Requests(HttpContext context, string runId, RunQueries queries, ControlRequests requests, IOptions<RunsOptions> options)
    {
        if (RunReadEndpoints.Visible(context, runId, queries) is null)
        {
            return ApiError.RunNotFound(context);
        }
        return Results.Json(requests.ForRun(runId, TimeSpan.FromSeconds(options.Value.ControlRequestExpirySeconds)), ModelJson.Options);
    }

    private static async Task StreamAsync(HttpContext context, string workflowId, ControlRequests requests, DurableStreamEngine engine, IOptions<StreamsOptions> options)
    {
        var caller = Caller.Of(context);
        if (!caller.Can(Caller.IngestScope) && !caller.Can(Caller.ControlScope))
        {
            await ApiError.WriteAsync(context, 403, ErrorCodes.AuthorizationError, "This key may not follow control streams (it needs the ingest or control scope).");
            return;
        }
        if (!Ids.IsValid(workflowId) || !caller.Sees(workflowId))
        {
            await ApiError.WriteAsync(context, 404, ErrorCodes.ResourceNotFound, "No workflow with this id.");
            return;
        }
        requests.EnsureStream(workflowId);
        var hooks = StreamHooks with { Limits = new ReadLimits(options.Value.ReadChunkBytes, 1000) };
        await StreamReadEndpoint.HandleAsync(context, engine, options.Value, ControlRequests.StreamPathOf(workflowId), hooks);
    }
}
