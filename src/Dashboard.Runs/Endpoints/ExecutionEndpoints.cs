using System.Text.Json;
using Dashboard.Model.Errors;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;
using Dashboard.Runs.Access;
using Dashboard.Runs.Api;
using Dashboard.Runs.Projections;

namespace Dashboard.Runs.Endpoints;

/// <summary>The execution list and detail of seed 004, in its snake_case shape.</summary>
internal static class ExecutionEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/workflows/{workflowId}/executions", List).WithName("ListExecutions")
            .WithSummary("A workflow's executions, newest first (seed 004 fields, without steps).").Produces<Execution[]>()
            .WithQuery([.. RunListQuery.Parameters.Where(p => p.Name != "workflowId")]);
        api.MapGet("/workflows/{workflowId}/executions/{runId}", Detail).WithName("GetExecution")
            .WithSummary("One execution with every step's input, output, mapped output and error (seed 004).").Produces<Execution>();
    }

    private static IResult List(HttpContext context, string workflowId, RunQueries queries)
    {
        var caller = Caller.Of(context);
        if (!caller.Can(Caller.ReadScope) || !caller.Sees(workflowId))
        {
            return ApiError.Result(context, 404, ErrorCodes.ResourceNotFound, "No workflow with this id.");
        }
        var (filter, cursor, limit, error) = RunListQuery.Parse(context.Request.Query, caller.Workflows);
        if (error is not null)
        {
            return ApiError.Invalid(context, error);
        }
        var page = queries.List(filter! with { WorkflowId = workflowId }, cursor, limit);
        var executions = page.Items
            .Select(json => ExecutionMapping.From(JsonSerializer.Deserialize<RunRecord>(json, ModelJson.Options)!, null))
            .ToList();
        if (page.Next is { } next)
        {
            context.Response.Headers["X-Next-Cursor"] = next.Encode();
        }
        return Results.Json(new { executions, next_cursor = page.Next?.Encode() }, ModelJson.SnakeCaseOptions);
    }

    private static IResult Detail(HttpContext context, string workflowId, string runId, RunQueries queries)
    {
        var row = RunReadEndpoints.Visible(context, runId, queries);
        if (row is null || row.WorkflowId != workflowId)
        {
            return ApiError.RunNotFound(context);
        }
        var record = JsonSerializer.Deserialize<RunRecord>(row.Json, ModelJson.Options)!;
        var steps = queries.LatestSteps(runId).Select(json => JsonSerializer.Deserialize<StepTrace>(json, ModelJson.Options)!).ToList();
        return Results.Json(ExecutionMapping.From(record, steps), ModelJson.SnakeCaseOptions);
    }
}
