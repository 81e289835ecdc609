using System.Text;
using System.Text.Json;
using Dashboard.Model.Errors;
using Dashboard.Model.Json;
using Dashboard.Model.Rollups;
using Dashboard.Model.Runs;
using Dashboard.Runs.Access;
using Dashboard.Runs.Api;
using Dashboard.Runs.Projections;

namespace Dashboard.Runs.Endpoints;

/// <summary>The run-inspection reads: executions list, run record, trace, step trace, children, rollup.</summary>
internal static class RunReadEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/runs", List).WithName("ListRuns").WithSummary("Executions, filtered and keyset-paged (newest first).")
            .Produces<RunsPage>()
            .WithQuery([.. RunListQuery.Parameters, new("counts", "true or false: statusCounts over the whole filter with this page; by default with the first page only.")]);
        api.MapGet("/runs/{runId}", Get).WithName("GetRun").WithSummary("The run record (seed 002) with the summary fields of seed 001.")
            .Produces<RunRecord>();
        api.MapGet("/runs/{runId}/trace", Trace).WithName("GetTrace").WithSummary("Run summary and the latest attempt of each step (seed 001 Trace).")
            .Produces<Trace>();
        api.MapGet("/runs/{runId}/steps/{stepId}/trace", StepTrace).WithName("GetStepTrace")
            .WithSummary("One step: its latest attempt, attempt N, or all attempts (attempt=latest|all|N, loopIndex=I).")
            .Produces<StepTrace>()
            .WithQuery(
                new("attempt", "latest (the default), all, or an attempt's number."),
                new("loopIndex", "The loop iteration, for a step that ran in a loop (loop_index is read too).", Integer: true));
        api.MapGet("/runs/{runId}/timeline", Timeline).WithName("GetTimeline")
            .WithSummary("The record and every attempt without payloads (the first `limit` when given, attemptCount saying how many there are), with the stream offset they reflect: what a live timeline starts from.")
            .Produces<RunSnapshot>()
            .WithQuery(new QueryParameter("limit", "Only the first N attempts (attemptCount says how many there are); default all.", Integer: true));
        api.MapGet("/runs/{runId}/logs", Logs).WithName("GetRunLogs")
            .WithSummary("The run's log lines, oldest first, keyset-paged: level=debug|info|warn|error (that level and above), stepId, attempt, loopIndex, q (text in the message), cursor, limit (1-1000, default 200).")
            .Produces<RunLogPage>()
            .WithQuery(
                new("level", "debug, info, warn or error: lines of that level and above."),
                new("stepId", "Only the lines written in this step."),
                new("attempt", "Only the lines of this attempt of the step.", Integer: true),
                new("loopIndex", "Only the lines of this loop iteration of the step.", Integer: true),
                new("q", "Text in the message, any case."),
                new("limit", "Lines a page, 1-1000; default 200.", Integer: true),
                new("cursor", "The nextCursor of the page before."),
                new("offset", "Skip this many lines first (a jump into a long run's logs).", Integer: true));
        api.MapGet("/runs/{runId}/compare/{otherRunId}", Compare).WithName("CompareRuns")
            .WithSummary("Two runs side by side: steps aligned by step id and loop index (latest attempts), how each differs, the first divergence, duration and cost deltas (other minus this).")
            .Produces<Dashboard.Model.Comparing.RunComparison>();
        api.MapGet("/runs/{runId}/children", Children).WithName("GetChildren").WithSummary("The runs this run started.")
            .Produces<RunRecord[]>();
        api.MapGet("/runs/{runId}/tree", Tree).WithName("GetRunTree")
            .WithSummary("The run and the runs it started, their children and so on, depth levels down (1-5, default 2): each with its record (no payloads) and childCount (all its children, read or not); at most 100 children per run and 500 runs in all.")
            .Produces<RunTreeNode>()
            .WithQuery(new QueryParameter("depth", "Levels of children, 1-5; default 2.", Integer: true));
        api.MapGet("/runs/{runId}/rollup", Rollup).WithName("GetRollup")
            .WithSummary("Cost, tokens and time of the run and its children, every attempt counted once, by model and by step.")
            .Produces<FamilyRollup>();
    }

    private static IResult List(HttpContext context, RunQueries queries)
    {
        var caller = Caller.Of(context);
        if (!caller.Can(Caller.ReadScope))
        {
            return Forbidden(context);
        }
        var (filter, cursor, limit, error) = RunListQuery.Parse(context.Request.Query, caller.Workflows);
        if (error is not null)
        {
            return ApiError.Invalid(context, error);
        }
        // Counts cost a scan of the filter: by default only with the first page, or when asked.
        var countsParameter = context.Request.Query["counts"].ToString();
        var withCounts = countsParameter == "true" || (countsParameter != "false" && cursor is null);
        var (page, counts) = queries.ListWithCounts(filter!, cursor, limit, withCounts);
        return Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("items");
            foreach (var item in page.Items)
            {
                writer.WriteRawValue(item, skipInputValidation: true);
            }
            writer.WriteEndArray();
            if (page.Next is { } next)
            {
                writer.WriteString("nextCursor", next.Encode());
            }
            if (counts is not null)
            {
                writer.WriteStartObject("statusCounts");
                foreach (var (status, count) in counts)
                {
                    writer.WriteNumber(status, count);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        });
    }

    private static IResult Get(HttpContext context, string runId, RunQueries queries) =>
        Visible(context, runId, queries) is { } row ? Results.Text(row.Json, "application/json") : ApiError.RunNotFound(context);

    private static IResult Trace(HttpContext context, string runId, RunQueries queries)
    {
        if (Visible(context, runId, queries) is not { } row)
        {
            return ApiError.RunNotFound(context);
        }
        var record = JsonSerializer.Deserialize<RunRecord>(row.Json, ModelJson.Options)!;
        var steps = queries.LatestSteps(runId);
        return Json(writer =>
        {
            writer.WriteStartObject();
            writer.WritePropertyName("flowRun");
            JsonSerializer.Serialize(writer, record.ToSummary(), ModelJson.Options);
            writer.WriteStartArray("steps");
            foreach (var step in steps)
            {
                writer.WriteRawValue(step, skipInputValidation: true);
            }
            writer.WriteEndArray();
            if (row.Offset is not null)
            {
                writer.WriteString("offset", row.Offset);
            }
            writer.WriteEndObject();
        });
    }

    private static IResult StepTrace(HttpContext context, string runId, string stepId, RunQueries queries)
    {
        if (Visible(context, runId, queries) is null)
        {
            return ApiError.RunNotFound(context);
        }
        var query = context.Request.Query;
        int? loopIndex = null;
        var loopText = query["loopIndex"].ToString();
        if (loopText.Length == 0)
        {
            loopText = query["loop_index"].ToString();
        }
        if (loopText.Length > 0)
        {
            if (!int.TryParse(loopText, out var parsedLoop) || parsedLoop < 0)
            {
                return ApiError.Invalid(context, "loopIndex must be a whole number, 0 or more.");
            }
            loopIndex = parsedLoop;
        }
        var attemptText = query["attempt"].ToString();
        int? attemptNumber = null;
        if (attemptText is not ("" or "latest" or "all"))
        {
            if (!int.TryParse(attemptText, out var parsedAttempt) || parsedAttempt < 1)
            {
                return ApiError.Invalid(context, "attempt must be latest, all, or an attempt number (1 or more).");
            }
            attemptNumber = parsedAttempt;
        }

        var attempts = queries.Attempts(runId, stepId, loopIndex);
        if (attempts.Count == 0)
        {
            // A step that only ran in a loop has no entry without an iteration: say which to ask for, not that it is missing.
            var loops = loopIndex is null ? queries.LoopIterations(runId, stepId) : null;
            return ApiError.Result(context, 404, ErrorCodes.ResourceNotFound,
                loops is { } l ? $"Step {stepId} of run {runId} ran in a loop ({l.Count} iterations, {l.First} to {l.Last}): give loopIndex."
                : loopIndex is null ? $"Run {runId} has no step {stepId}." : $"Run {runId} has no step {stepId} in loop iteration {loopIndex}.");
        }
        if (attemptText == "all")
        {
            return Json(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("stepId", stepId);
                if (loopIndex is { } index)
                {
                    writer.WriteNumber("loopIndex", index);
                }
                writer.WriteStartArray("attempts");
                foreach (var attempt in attempts)
                {
                    writer.WriteRawValue(attempt, skipInputValidation: true);
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            });
        }
        if (attemptNumber is { } n)
        {
            var match = attempts.FirstOrDefault(a => AttemptNumber(a) == n);
            return match is null
                ? ApiError.Result(context, 404, ErrorCodes.ResourceNotFound, $"Step {stepId} has no attempt {n}.")
                : Results.Bytes(match, "application/json");
        }
        return Results.Bytes(attempts[^1], "application/json");
    }

    /// <summary>The attempt number of a stored attempt, read without materialising its payloads.</summary>
    private static int AttemptNumber(byte[] attemptJson)
    {
        var reader = new Utf8JsonReader(attemptJson, new JsonReaderOptions { MaxDepth = ModelJson.Options.MaxDepth });
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isAttempt = reader.ValueTextEquals("attempt"u8);
            reader.Read();
            if (isAttempt && reader.TokenType == JsonTokenType.Number)
            {
                return reader.GetInt32();
            }
            reader.Skip();
        }
        return 1;
    }

    private static IResult Timeline(HttpContext context, string runId, RunQueries queries)
    {
        if (Visible(context, runId, queries) is null)
        {
            return ApiError.RunNotFound(context);
        }
        int? limit = null;
        var limitText = context.Request.Query["limit"].ToString();
        if (limitText.Length > 0)
        {
            if (!int.TryParse(limitText, out var parsed) || parsed < 1)
            {
                return ApiError.Invalid(context, "limit must be a whole number, 1 or more.");
            }
            limit = parsed;
        }
        if (queries.Snapshot(runId, limit) is not { } snapshot)
        {
            return ApiError.RunNotFound(context);
        }
        // Payloads can be megabytes each; the timeline needs times, status, model, cost and the error message only. The
        // stored JSON is written through as it is: parsing and writing again 10,000 attempts was most of this call's time.
        var json = new StringBuilder(snapshot.Row.Json.Length + snapshot.AttemptsJson.Sum(a => a.Length + 1) + 64);
        json.Append("{\"record\":").Append(snapshot.Row.Json).Append(",\"attempts\":[");
        for (var i = 0; i < snapshot.AttemptsJson.Count; i++)
        {
            json.Append(i == 0 ? "" : ",").Append(snapshot.AttemptsJson[i]);
        }
        json.Append(']');
        if (snapshot.Row.Offset is { } offset)
        {
            json.Append(",\"offset\":").Append(JsonSerializer.Serialize(offset));
        }
        json.Append(",\"attemptCount\":").Append(snapshot.AttemptCount);
        return Results.Text(json.Append('}').ToString(), "application/json");
    }

    private static IResult Children(HttpContext context, string runId, RunQueries queries)
    {
        if (Visible(context, runId, queries) is null)
        {
            return ApiError.RunNotFound(context);
        }
        var children = queries.Children(runId, Caller.Of(context).Workflows);
        return Json(writer =>
        {
            writer.WriteStartArray();
            foreach (var child in children)
            {
                writer.WriteRawValue(child, skipInputValidation: true);
            }
            writer.WriteEndArray();
        });
    }

    public const int MaxTreeDepth = 5;

    private static IResult Tree(HttpContext context, string runId, RunQueries queries)
    {
        if (Visible(context, runId, queries) is null)
        {
            return ApiError.RunNotFound(context);
        }
        var depth = 2;
        if (context.Request.Query["depth"].ToString() is { Length: > 0 } text
            && (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out depth) || depth is < 1 or > MaxTreeDepth))
        {
            return ApiError.Invalid(context, $"depth must be a whole number from 1 to {MaxTreeDepth}.");
        }
        var tree = queries.Tree(runId, depth, perRun: 100, maxNodes: 500, Caller.Of(context).Workflows);
        return tree is null ? ApiError.RunNotFound(context) : Results.Json(tree, ModelJson.Options);
    }

    private static IResult Rollup(HttpContext context, string runId, RunQueries queries)
    {
        if (Visible(context, runId, queries) is not { } row)
        {
            return ApiError.RunNotFound(context);
        }
        var record = JsonSerializer.Deserialize<RunRecord>(row.Json, ModelJson.Options)!;
        var run = RollupCalculator.ForAttempts(runId, record.DurationMs, queries.AllAttempts(runId));
        var children = queries.Children(runId, Caller.Of(context).Workflows)
            .Select(json => JsonSerializer.Deserialize<RunRecord>(json, ModelJson.Options)!)
            .Select(child => RollupCalculator.ForAttempts(child.Id, child.DurationMs, queries.AllAttempts(child.Id)));
        return Results.Json(RollupCalculator.ForFamily(run, children), ModelJson.Options);
    }

    private static IResult Compare(HttpContext context, string runId, string otherRunId, RunQueries queries)
    {
        if (Visible(context, runId, queries) is not { } left || Visible(context, otherRunId, queries) is not { } right)
        {
            return ApiError.RunNotFound(context);
        }
        var comparison = Dashboard.Model.Comparing.RunAligner.Compare(
            JsonSerializer.Deserialize<RunRecord>(left.Json, ModelJson.Options)!, LatestAttempts(queries, runId),
            JsonSerializer.Deserialize<RunRecord>(right.Json, ModelJson.Options)!, LatestAttempts(queries, otherRunId));
        return Results.Json(comparison, ModelJson.Options);
    }

    private static List<StepTrace> LatestAttempts(RunQueries queries, string runId) =>
        queries.LatestSteps(runId).Select(json => JsonSerializer.Deserialize<StepTrace>(json, ModelJson.Options)!).ToList();

    private static IResult Logs(HttpContext context, string runId, RunQueries queries)
    {
        if (Visible(context, runId, queries) is null)
        {
            return ApiError.RunNotFound(context);
        }
        var (filter, start, limit, error) = RunLogFilter.Parse(context.Request.Query);
        if (error is not null)
        {
            return ApiError.Invalid(context, error);
        }
        if (queries.Logs(runId, filter!, start, limit) is not (var lines, var next, var total))
        {
            return ApiError.Invalid(context, RunLogFilter.UnknownCursor);
        }
        return Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("items");
            foreach (var line in lines)
            {
                writer.WriteRawValue(line, skipInputValidation: true);
            }
            writer.WriteEndArray();
            if (next is { } seq)
            {
                writer.WriteString("nextCursor", seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            if (total is { } count)
            {
                writer.WriteNumber("total", count);
            }
            writer.WriteEndObject();
        });
    }

    /// <summary>The run's row if the caller may read it; null for unknown and out-of-scope alike.</summary>
    internal static RunQueries.RunRow? Visible(HttpContext context, string runId, RunQueries queries, string scope = Caller.ReadScope)
    {
        var caller = Caller.Of(context);
        if (!Ids.IsValid(runId) || !caller.Can(scope))
        {
            return null;
        }
        var row = queries.Find(runId);
        return row is not null && caller.Sees(row.WorkflowId) ? row : null;
    }

    internal static IResult Forbidden(HttpContext context) =>
        ApiError.Result(context, 403, ErrorCodes.AuthorizationError, "This key may not read runs.");

    internal static IResult Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }
        return Results.Bytes(buffer.GetBuffer().AsMemory(0, (int)buffer.Length).ToArray(), "application/json");
    }
}
