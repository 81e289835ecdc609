using System.Text.Json;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;
using Dashboard.Runs.Api;
using Dashboard.Runs.Projections;

namespace Dashboard.Runs.Endpoints;

/// <summary><c>GET /v1/runs/{runId}</c>: seed 002's run record in its own snake_case names, every field present.</summary>
internal static class SeedRunEndpoints
{
    public static void Map(RouteGroupBuilder v1) =>
        v1.MapGet("/runs/{runId}", Get).WithName("GetSeedRun")
            .WithSummary("The run record of seed 002, field for field in snake_case; null where the run has no value.")
            .Produces<SeedRunRecord>();

    private static IResult Get(HttpContext context, string runId, RunQueries queries)
    {
        if (RunReadEndpoints.Visible(context, runId, queries) is not { } row)
        {
            return ApiError.RunNotFound(context);
        }
        var record = JsonSerializer.Deserialize<RunRecord>(row.Json, ModelJson.Options)!;
        return Results.Json(SeedRunRecord.From(record), ModelJson.SnakeCaseOptions);
    }
}
