using Dashboard.Model.Insights;
using Dashboard.Model.Json;
using Dashboard.Runs.Access;
using Dashboard.Runs.Api;
using Dashboard.Runs.Endpoints;

namespace Dashboard.Runs.Insights;

/// <summary>
/// <c>/api/insights/*</c>: what is failing across runs, since when, where, and at what cost. Every route takes
/// <c>from</c>, <c>to</c> (RFC 3339; default the last 24 hours) and an optional <c>workflowId</c>, and sees only the
/// caller's workflows.
/// </summary>
internal static class InsightsEndpoints
{
    private static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(400);

    public static void Map(RouteGroupBuilder api)
    {
        var insights = api.MapGroup("/insights").WithTags("Insights");
        insights.MapGet("/summary", Summary).WithName("InsightsSummary")
            .WithSummary("Runs started in the period: counts by status, failure rate, duration percentiles, cost, tokens, and the same for the period before.")
            .Produces<InsightsSummary>()
            .WithQuery(QueryParameter.Period);
        insights.MapGet("/timeseries", Timeseries).WithName("InsightsTimeseries")
            .WithSummary("The period in buckets (bucket=minute|hour|day): runs by status, failure rate, p95 duration, cost.")
            .Produces<InsightsTimeseries>()
            .WithQuery([.. QueryParameter.Period, new("bucket", "minute, hour or day; by default minute up to 2 hours, hour up to 3 days, else day. At most 5,000 buckets.")]);
        insights.MapGet("/workflows", Workflows).WithName("InsightsWorkflows")
            .WithSummary("Per workflow: runs, failures, failure rate, p50/p95 duration, cost, last run and last failure.")
            .Produces<WorkflowHealthList>()
            .WithQuery([.. QueryParameter.Period, .. OrderParameters("workflows", "name, runs, failed, rate, p50, p95, cost, last-run or last-failure; default: most failed runs first, then the busiest.")]);
        insights.MapGet("/failures", Failures).WithName("InsightsFailures")
            .WithSummary("Failed and timed-out runs grouped by signature (workflow, failing step, error code or type, message with ids and numbers masked), biggest first.")
            .Produces<FailureGroupList>()
            .WithQuery([.. QueryParameter.Period, new("limit", "Groups, 1-200; default 50.", Integer: true)]);
        insights.MapGet("/failures/{signature}", Failure).WithName("InsightsFailureGroup")
            .WithSummary("One failure group by its signature, whatever the period: its workflow, step, code, newest message, first and last seen, newest runs, and count (every run that failed in it).")
            .Produces<FailureGroup>();
        insights.MapGet("/models", Models).WithName("InsightsModels")
            .WithSummary("Per model the period's steps called: calls, failed calls, workflows, cost, tokens; the costliest first. Hour rows at the finest.")
            .Produces<ModelUsageList>()
            .WithQuery(QueryParameter.Period);
        api.MapGet("/runs/facets", Facets).WithName("RunFacets").WithTags("Runs")
            .WithSummary("The workflows (with names), trigger types and models of the runs the caller may see: what the list can be filtered by.")
            .Produces<RunFacets>()
            .WithQuery(
            [
                new("workflowSearch", "Only workflows whose id or name holds this text (case aside); exact matches first, then those it starts."),
                new("workflowLimit", $"How many workflows, 0-{WorkflowFacetSearch.MaxLimit:#,0}; default all. totalWorkflows says how many match.", Integer: true),
            ]);
        insights.MapGet("/steps", Steps).WithName("InsightsSteps")
            .WithSummary("Per step of one workflow (workflowId required): attempts, retries, failures, p50/p95 duration, cost, tokens.")
            .Produces<StepHealthList>()
            .WithQuery([.. QueryParameter.Period.Where(p => p.Name != "workflowId"), new("workflowId", "The workflow whose steps to count.", Required: true),
                .. OrderParameters("steps", "name, attempts, retries, failed, rate, p50, p95, cost or tokens; default: most failures first, then the slowest p95.")]);
    }

    private static QueryParameter[] OrderParameters(string rows, string sorts) =>
    [
        new("sort", sorts),
        new("order", "asc or desc; default: the column's own (desc for figures, asc for names)."),
        new("limit", $"How many {rows}, 1-{MaxRows:#,0}; default {DefaultRows}. The answer's total says how many there are.", Integer: true),
    ];

    private static IResult Summary(HttpContext context, InsightsQueries queries) =>
        Read(context, query => Results.Json(queries.Summary(query), ModelJson.Options));

    private static IResult Timeseries(HttpContext context, InsightsQueries queries) => Read(context, query =>
    {
        var bucket = context.Request.Query["bucket"].ToString() is { Length: > 0 } b ? b : DefaultBucket(query.Length);
        TimeSpan? size = bucket switch
        {
            "minute" => TimeSpan.FromMinutes(1),
            "hour" => TimeSpan.FromHours(1),
            "day" => TimeSpan.FromDays(1),
            _ => null,
        };
        if (size is null)
        {
            return ApiError.Invalid(context, "bucket must be minute, hour or day.");
        }
        if (size.Value.TotalMinutes < query.Grain)
        {
            return ApiError.Invalid(context, "minute buckets cover periods of up to 6 hours and hour buckets up to 8 days; choose a larger bucket for this period.");
        }
        if (query.Length / size.Value > 5000)
        {
            return ApiError.Invalid(context, "That is more than 5,000 buckets; choose a larger bucket or a shorter period.");
        }
        return Results.Json(queries.Timeseries(query, bucket, size.Value), ModelJson.Options);
    });

    private static IResult Facets(HttpContext context, InsightsQueries queries)
    {
        var caller = Caller.Of(context);
        if (!caller.Can(Caller.ReadScope))
        {
            return RunReadEndpoints.Forbidden(context);
        }
        int? limit = null;
        if (context.Request.Query["workflowLimit"].ToString() is { Length: > 0 } text)
        {
            if (!int.TryParse(text, out var value) || value is < 0 or > WorkflowFacetSearch.MaxLimit)
            {
                return ApiError.Invalid(context, $"workflowLimit must be a whole number from 0 to {WorkflowFacetSearch.MaxLimit:#,0}.");
            }
            limit = value;
        }
        var search = context.Request.Query["workflowSearch"].ToString();
        if (search.Length > WorkflowFacetSearch.MaxTextLength)
        {
            return ApiError.Invalid(context, $"workflowSearch is limited to {WorkflowFacetSearch.MaxTextLength} characters.");
        }
        return Results.Json(queries.Facets(caller.Workflows, new WorkflowFacetSearch(search, limit)), ModelJson.Options);
    }

    private static IResult Workflows(HttpContext context, InsightsQueries queries) => Read(context, query =>
        Ordered(context, HealthOrders.Workflows, (sort, descending, limit) => Results.Json(queries.Workflows(query, sort, descending, limit), ModelJson.Options)));

    private static IResult Models(HttpContext context, InsightsQueries queries) =>
        Read(context, query => Results.Json(queries.Models(query), ModelJson.Options));

    private static IResult Failures(HttpContext context, InsightsQueries queries) => Read(context, query =>
    {
        var limit = 50;
        if (context.Request.Query["limit"].ToString() is { Length: > 0 } text && (!int.TryParse(text, out limit) || limit is < 1 or > 200))
        {
            return ApiError.Invalid(context, "limit must be a whole number from 1 to 200.");
        }
        return Results.Json(queries.Failures(query, limit), ModelJson.Options);
    });

    private static IResult Failure(HttpContext context, string signature, InsightsQueries queries)
    {
        var caller = Caller.Of(context);
        if (!caller.Can(Caller.ReadScope))
        {
            return RunReadEndpoints.Forbidden(context);
        }
        if (signature.Length > FailureSignature.MaxLength)
        {
            return ApiError.Invalid(context, $"That is not a signature the service gives: signatures are at most {FailureSignature.MaxLength} characters.");
        }
        // Unknown and out-of-scope groups answer alike, as runs do.
        return queries.Group(signature, caller.Workflows) is { } group
            ? Results.Json(group, ModelJson.Options)
            : ApiError.Result(context, StatusCodes.Status404NotFound, Model.Errors.ErrorCodes.ResourceNotFound, "No failure group with this signature.");
    }

    /// <summary>Rows of a health table the service gives unless asked for more (up to <see cref="MaxRows"/>).</summary>
    public const int DefaultRows = 200;

    public const int MaxRows = 1_000;

    private static IResult Steps(HttpContext context, InsightsQueries queries) => Read(context, query =>
        query.WorkflowId is null
            ? ApiError.Invalid(context, "workflowId is required: steps are compared within one workflow.")
            : Ordered(context, HealthOrders.Steps, (sort, descending, limit) => Results.Json(queries.Steps(query, sort, descending, limit), ModelJson.Options)));

    /// <summary>Reads <c>sort</c>, <c>order</c> and <c>limit</c> for a health table, then answers with <paramref name="answer"/>.</summary>
    private static IResult Ordered<T>(HttpContext context, HealthOrder<T> orders, Func<string?, bool, int, IResult> answer)
    {
        var limit = DefaultRows;
        if (context.Request.Query["limit"].ToString() is { Length: > 0 } text && (!int.TryParse(text, out limit) || limit is < 1 or > MaxRows))
        {
            return ApiError.Invalid(context, $"limit must be a whole number from 1 to {MaxRows:#,0}.");
        }
        var sort = context.Request.Query["sort"].ToString() is { Length: > 0 } column ? column : null;
        if (sort is not null && !orders.IsColumn(sort))
        {
            return ApiError.Invalid(context, $"sort must be one of {string.Join(", ", orders.Names)}.");
        }
        bool? descending = context.Request.Query["order"].ToString() switch
        {
            "" => sort is null || orders.DescendingFirst(sort),
            "desc" => true,
            "asc" => false,
            _ => null,
        };
        return descending is { } value ? answer(sort, value, limit) : ApiError.Invalid(context, "order must be asc or desc.");
    }

    private static string DefaultBucket(TimeSpan length) =>
        length <= TimeSpan.FromHours(2) ? "minute" : length <= TimeSpan.FromDays(3) ? "hour" : "day";

    /// <summary>Checks the caller and the common parameters, then answers with <paramref name="answer"/>.</summary>
    private static IResult Read(HttpContext context, Func<InsightsQuery, IResult> answer)
    {
        var caller = Caller.Of(context);
        if (!caller.Can(Caller.ReadScope))
        {
            return RunReadEndpoints.Forbidden(context);
        }
        var request = context.Request.Query;
        var to = DateTimeOffset.UtcNow;
        if (request["to"].ToString() is { Length: > 0 } toText && !Rfc3339DateTimeOffsetConverter.TryParse(toText, out to))
        {
            return ApiError.Invalid(context, "to must be an RFC 3339 timestamp with an offset.");
        }
        var from = to - TimeSpan.FromHours(24);
        if (request["from"].ToString() is { Length: > 0 } fromText && !Rfc3339DateTimeOffsetConverter.TryParse(fromText, out from))
        {
            return ApiError.Invalid(context, "from must be an RFC 3339 timestamp with an offset.");
        }
        if (from >= to)
        {
            return ApiError.Invalid(context, "from must be before to.");
        }
        if (to - from > MaxPeriod)
        {
            return ApiError.Invalid(context, "The period is limited to 400 days.");
        }
        var workflowId = request["workflowId"].ToString() is { Length: > 0 } w ? w : null;
        return answer(new InsightsQuery(from.ToUniversalTime(), to.ToUniversalTime(), workflowId, caller.Workflows));
    }
}
