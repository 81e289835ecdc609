using Dashboard.Model.Errors;
using Dashboard.Model.Runs;
using Dashboard.Runs.Access;
using Dashboard.Runs.Api;
using Dashboard.Runs.Configuration;
using Dashboard.Runs.Ingestion;
using Dashboard.Streams.Core;
using Dashboard.Streams.Http;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs.Endpoints;

internal static class IngestEndpoints
{
    public sealed record IngestResponse(string RunId, int Accepted, int Duplicates, string? NextOffset, bool DuplicateBatch);

    public static void Map(RouteGroupBuilder api) =>
        api.MapPost("/runs/{runId}/events", IngestAsync).WithName("PostRunEvents")
            .WithSummary("Report a batch of run events (a JSON array). Stored whole or not at all; Producer-Id/Epoch/Seq make resends harmless.")
            .Accepts<object[]>("application/json")
            .Produces<IngestResponse>();

    private static async Task<IResult> IngestAsync(HttpContext context, string runId, RunIngestion ingestion, IOptions<RunsOptions> options)
    {
        var caller = Caller.Of(context);
        if (!caller.Can(Caller.IngestScope))
        {
            return ApiError.Result(context, 403, ErrorCodes.AuthorizationError, "This key may not report runs.");
        }
        if (Ids.ProblemOfNew(runId) is { } idProblem)
        {
            return ApiError.Invalid(context, $"The run id {idProblem}.");
        }
        if (!string.Equals(Streams.Core.StreamContentType.MediaType(context.Request.ContentType ?? ""), "application/json", StringComparison.Ordinal))
        {
            return ApiError.Invalid(context, "Send the events as a JSON array with Content-Type: application/json.");
        }
        if (!StreamRequestReader.TryReadProducer(context.Request.Headers, out var producer, out var producerError))
        {
            return ApiError.Invalid(context, producerError!);
        }
        var body = await StreamRequestReader.ReadBodyAsync(context, options.Value.MaxBatchBytes);
        if (body is null)
        {
            return ApiError.Result(context, 413, ErrorCodes.InvalidInput,
                $"The batch is over {options.Value.MaxBatchBytes / (1024 * 1024)} MiB; send fewer events per request.");
        }

        var outcome = await ingestion.IngestAsync(runId, body, producer, caller, context.RequestAborted);
        if (!outcome.Succeeded)
        {
            return ApiError.Result(context, outcome.Status, outcome.ErrorCode!, outcome.Message!);
        }
        return Results.Json(new IngestResponse(runId, outcome.Accepted, outcome.Duplicates, outcome.NextOffset, outcome.DuplicateBatch), Model.Json.ModelJson.Options);
    }
}
