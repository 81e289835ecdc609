using Dashboard.Model.Json;
using Dashboard.Model.Search;
using Dashboard.Runs.Access;
using Dashboard.Runs.Api;
using Dashboard.Runs.Endpoints;

namespace Dashboard.Runs.Search;

/// <summary><c>GET /api/search</c>: words inside the payloads and log lines of every run the caller may see.</summary>
internal static class SearchEndpoints
{
    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/search", Search).WithName("Search").WithTags("Search")
            .WithSummary("Runs' inputs, outputs, mapped outputs, errors (message, data, stack), results and log lines holding every word of q (a \"quoted phrase\" in order), newest first; workflowId, from, to (run start, RFC 3339), cursor, limit (1-100, default 20). Each hit says where (run, step, attempt, loop index, field) and gives a snippet with the matches located. indexBehind: the index had not caught up with everything stored before the search within Runs:SearchCatchUpMs, so the newest matches may be missing.")
            .Produces<SearchPage>()
            .WithQuery(
                new("q", "The words to find, all of them (up to 8; a \"quoted phrase\" in order).", Required: true),
                new("workflowId", "Only this workflow's runs."),
                new("from", "Runs started at or after this time (RFC 3339 with an offset)."),
                new("to", "Runs started before this time (RFC 3339 with an offset)."),
                new("limit", "Hits a page, 1-100; default 20.", Integer: true),
                new("cursor", "The nextCursor of the page before."));

    private static IResult Search(HttpContext context, SearchQueries queries)
    {
        var caller = Caller.Of(context);
        if (!caller.Can(Caller.ReadScope))
        {
            return RunReadEndpoints.Forbidden(context);
        }
        var (request, error) = SearchRequest.Parse(context.Request.Query, caller.Workflows);
        if (error is not null)
        {
            return ApiError.Invalid(context, error);
        }
        return Results.Json(queries.Search(request!, context.RequestAborted), ModelJson.Options);
    }
}
