using Dashboard.Model.Insights;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;
using Dashboard.Runs.Api;
using Dashboard.Runs.Projections;

namespace Dashboard.Runs.Endpoints;

/// <summary>Reads and validates the query of <c>GET /api/runs</c>; every problem is an INVALID_INPUT message.</summary>
internal static class RunListQuery
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    /// <summary>What <see cref="Parse"/> reads, for the OpenAPI document.</summary>
    public static readonly QueryParameter[] Parameters =
    [
        new("status", "Runs in any of these statuses, comma-separated or repeated: running, waiting, completed, failed, cancelled, timeout."),
        new("workflowId", "Only this workflow's runs."),
        new("triggerType", "Only runs of this trigger type (api, schedule, otlp, …)."),
        new("experimentId", "Only runs of this experiment."),
        new("parentRunId", "Only the runs this run started."),
        new("model", "Only runs with a step that named this model."),
        new("failureSignature", "Only the failed and timed-out runs of this failure group (a signature of GET /api/insights/failures)."),
        new("from", "Runs started at or after this time (RFC 3339 with an offset)."),
        new("to", "Runs started before this time (RFC 3339 with an offset)."),
        new("q", "Text in the run's id, workflow id or name, or error message, any case (at most 200 characters)."),
        new("sort", "By start time: desc (newest first, the default) or asc."),
        new("limit", $"Runs a page, 1-{MaxLimit}; default {DefaultLimit}.", Integer: true),
        new("cursor", "The nextCursor of the page before (keyset paging)."),
    ];

    public static (RunListFilter? Filter, RunListCursor? Cursor, int Limit, string? Error) Parse(IQueryCollection query, IReadOnlySet<string>? allowedWorkflows)
    {
        var statuses = new List<RunStatus>();
        foreach (var value in query["status"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!RunStatusExtensions.TryParse(value, out var status))
            {
                return Fail($"Unknown status '{Short(value)}': use running, waiting, completed, failed, cancelled or timeout.");
            }
            statuses.Add(status);
        }
        DateTimeOffset? from = null, to = null;
        if (Single(query, "from") is { } fromText)
        {
            if (!Rfc3339DateTimeOffsetConverter.TryParse(fromText, out var parsed))
            {
                return Fail("from must be an RFC 3339 timestamp with an offset.");
            }
            from = parsed;
        }
        if (Single(query, "to") is { } toText)
        {
            if (!Rfc3339DateTimeOffsetConverter.TryParse(toText, out var parsed))
            {
                return Fail("to must be an RFC 3339 timestamp with an offset.");
            }
            to = parsed;
        }
        var limit = DefaultLimit;
        if (Single(query, "limit") is { } limitText && (!int.TryParse(limitText, out limit) || limit is < 1 or > MaxLimit))
        {
            return Fail($"limit must be a whole number from 1 to {MaxLimit}.");
        }
        RunListCursor? cursor = null;
        if (Single(query, "cursor") is { Length: > 0 } cursorText)
        {
            if (!RunListCursor.TryDecode(cursorText, out var decoded))
            {
                return Fail("cursor is not one this service issued.");
            }
            cursor = decoded;
        }
        var sort = Single(query, "sort");
        if (sort is not (null or "desc" or "asc"))
        {
            return Fail("sort must be asc or desc (by start time).");
        }
        var text = Single(query, "q");
        if (text is { Length: > 200 })
        {
            return Fail("q is limited to 200 characters.");
        }
        var signature = Single(query, "failureSignature");
        if (signature is { Length: > FailureSignature.MaxLength })
        {
            return Fail($"failureSignature is not one the service gives: signatures are at most {FailureSignature.MaxLength} characters.");
        }
        var filter = new RunListFilter
        {
            Statuses = statuses,
            WorkflowId = Single(query, "workflowId"),
            TriggerType = Single(query, "triggerType"),
            ExperimentId = Single(query, "experimentId"),
            ParentRunId = Single(query, "parentRunId"),
            Model = Single(query, "model"),
            FailureSignature = signature,
            From = from,
            To = to,
            Text = text,
            AllowedWorkflows = allowedWorkflows,
            Ascending = sort == "asc",
        };
        return (filter, cursor, limit, null);
    }

    private static (RunListFilter?, RunListCursor?, int, string?) Fail(string error) => (null, null, 0, error);

    private static string? Single(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && !string.IsNullOrEmpty(values.ToString()) ? values.ToString() : null;

    private static string Short(string value) => value.Length > 40 ? value[..40] + "…" : value;
}
