using Dashboard.Model.Runs;

namespace Dashboard.Model;

/// <summary>
/// The executions list's filters as they stand in the URL (so a view can be shared), and the query they make.
/// Unknown or malformed values are ignored rather than failing the page.
/// </summary>
public sealed record ExecutionsFilter
{
    public static readonly int[] PageSizes = [25, 50, 100, 200];
    public static readonly (string Key, string Label, TimeSpan? Span)[] Ranges =
    [
        ("", "Any time", null), ("15m", "Last 15 minutes", TimeSpan.FromMinutes(15)), ("1h", "Last hour", TimeSpan.FromHours(1)), ("24h", "Last 24 hours", TimeSpan.FromHours(24)), ("7d", "Last 7 days", TimeSpan.FromDays(7)),
        ("30d", "Last 30 days", TimeSpan.FromDays(30)), (CustomRange, "Custom (UTC)…", null),
    ];

    public const string CustomRange = "custom";

    public IReadOnlyList<RunStatus> Statuses { get; init; } = [];
    public string? Workflow { get; init; }
    public string? Trigger { get; init; }
    public string? Experiment { get; init; }
    public string? Parent { get; init; }

    /// <summary>Runs with a step that called this model (the overview's cost-by-model rows lead here).</summary>
    public string? Model { get; init; }

    /// <summary>The failed and timed-out runs of one failure group (the overview's failure groups lead here).</summary>
    public string? Failure { get; init; }

    public string? Text { get; init; }
    public string? Range { get; init; }

    /// <summary>The custom range's bounds (<see cref="CustomRange"/>): runs started from, and before.</summary>
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public int PageSize { get; init; } = 50;
    public bool OldestFirst { get; init; }
    public string? Cursor { get; init; }

    /// <summary>The text is searched for inside runs' payloads and log lines (<c>/api/search</c>), not in ids and errors.</summary>
    public bool InPayloads { get; init; }

    /// <summary>What the page shows: the payload search's hits rather than the runs.</summary>
    public bool SearchesPayloads => InPayloads && Text is not null;

    public static ExecutionsFilter FromUrl(string? status, string? workflow, string? trigger, string? experiment, string? parent,
        string? text, string? range, int? size, string? sort, string? cursor, string? from = null, string? to = null, string? inWhat = null, string? model = null, string? failure = null) => new ExecutionsFilter
    {
        Statuses = (status ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => RunStatusExtensions.TryParse(s, out var parsed) ? parsed : (RunStatus?)null)
            .OfType<RunStatus>().Distinct().ToList(),
        Workflow = Blank(workflow),
        Trigger = Blank(trigger),
        Experiment = Blank(experiment),
        Parent = Blank(parent),
        Model = Blank(model),
        Failure = Blank(failure),
        Text = Blank(text),
        Range = Ranges.Any(r => r.Key == range) ? Blank(range) : null,
        PageSize = size is { } n && PageSizes.Contains(n) ? n : 50,
        OldestFirst = sort == "asc",
        Cursor = Blank(cursor),
        InPayloads = inWhat == "payloads",
    }.WithCustomBounds(from, to);

    /// <summary>A custom range keeps the bounds that parse; with neither, it is no range at all.</summary>
    private ExecutionsFilter WithCustomBounds(string? from, string? to)
    {
        if (Range != CustomRange)
        {
            return this;
        }
        DateTimeOffset? Parse(string? text) => Json.Rfc3339DateTimeOffsetConverter.TryParse(text, out var value) ? value : null;
        var (start, end) = (Parse(from), Parse(to));
        return start is null && end is null ? this with { Range = null } : this with { From = start, To = end };
    }

    /// <summary>The query parameters that differ from the defaults (null removes one).</summary>
    public Dictionary<string, object?> ToUrl() => new()
    {
        ["status"] = Statuses.Count == 0 ? null : string.Join(',', Statuses.Select(s => s.ToWire())),
        ["workflow"] = Workflow,
        ["trigger"] = Trigger,
        ["experiment"] = Experiment,
        ["parent"] = Parent,
        ["model"] = Model,
        ["failure"] = Failure,
        ["q"] = Text,
        ["range"] = Range,
        ["from"] = Range == CustomRange && From is { } from ? Json.Rfc3339DateTimeOffsetConverter.Format(from) : null,
        ["to"] = Range == CustomRange && To is { } to ? Json.Rfc3339DateTimeOffsetConverter.Format(to) : null,
        ["size"] = PageSize == 50 ? null : PageSize,
        ["sort"] = OldestFirst ? "asc" : null,
        ["cursor"] = Cursor,
        ["in"] = InPayloads ? "payloads" : null,
    };

    public RunsQuery ToQuery(DateTimeOffset now) => new()
    {
        Statuses = Statuses,
        WorkflowId = Workflow,
        TriggerType = Trigger,
        ExperimentId = Experiment,
        ParentRunId = Parent,
        Model = Model,
        FailureSignature = Failure,
        Text = Text,
        From = Range == CustomRange ? From : Ranges.FirstOrDefault(r => r.Key == Range).Span is { } span ? now - span : null,
        To = Range == CustomRange ? To : null,
        Limit = PageSize,
        Ascending = OldestFirst,
        Cursor = Cursor,
        // Counts follow the filter, not the page, and cost a scan of it: ask with the first page only (the page keeps
        // the last counts while paging; a live reload of the first page refreshes them).
        IncludeCounts = Cursor is null,
    };

    public ExecutionsFilter Toggle(RunStatus status) => this with
    {
        Statuses = Statuses.Contains(status) ? Statuses.Where(s => s != status).ToList() : [.. Statuses, status],
        Cursor = null,
    };

    /// <summary>The "problems" view: failed and timed-out runs, and nothing else.</summary>
    public bool IsProblems => Statuses.Count == 2 && Statuses.Contains(RunStatus.Failed) && Statuses.Contains(RunStatus.Timeout);

    /// <summary>Shows the problems, or everything again when they are what is shown.</summary>
    public ExecutionsFilter ToggleProblems() => this with
    {
        Statuses = IsProblems ? [] : [RunStatus.Failed, RunStatus.Timeout],
        Cursor = null,
    };

    public bool IsFiltered => Statuses.Count > 0 || Workflow is not null || Trigger is not null || Experiment is not null || Parent is not null || Model is not null || Failure is not null || Text is not null || Range is not null;

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
