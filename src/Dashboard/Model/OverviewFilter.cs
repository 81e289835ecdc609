using Dashboard.Model.Insights;
using Dashboard.Model.Json;

namespace Dashboard.Model;

/// <summary>
/// The overview's period and workflow as they stand in the URL (<c>?range=24h&amp;workflow=…</c>, or
/// <c>?from=…&amp;to=…</c> for a custom period), so a view can be shared. Unknown values fall back to the last 24 hours.
/// </summary>
public sealed record OverviewFilter
{
    public const string DefaultRange = "24h";
    public const string CustomRange = "custom";

    public static readonly (string Key, string Label, TimeSpan Span)[] Ranges =
    [
        ("15m", "Last 15 minutes", TimeSpan.FromMinutes(15)), ("1h", "Last hour", TimeSpan.FromHours(1)),
        ("24h", "Last 24 hours", TimeSpan.FromHours(24)), ("7d", "Last 7 days", TimeSpan.FromDays(7)), ("30d", "Last 30 days", TimeSpan.FromDays(30)),
    ];

    public string Range { get; init; } = DefaultRange;
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public string? Workflow { get; init; }

    public bool IsCustom => Range == CustomRange;

    public static OverviewFilter FromUrl(string? range, string? from, string? to, string? workflow)
    {
        var workflowId = string.IsNullOrWhiteSpace(workflow) ? null : workflow.Trim();
        if (Rfc3339DateTimeOffsetConverter.TryParse(from, out var start) && Rfc3339DateTimeOffsetConverter.TryParse(to, out var end) && start < end
            && end - start <= TimeSpan.FromDays(400))
        {
            return new OverviewFilter { Range = CustomRange, From = start, To = end, Workflow = workflowId };
        }
        return new OverviewFilter { Range = Ranges.Any(r => r.Key == range) ? range! : DefaultRange, Workflow = workflowId };
    }

    public Dictionary<string, object?> ToUrl() => new()
    {
        ["range"] = IsCustom || Range == DefaultRange ? null : Range,
        ["from"] = IsCustom ? Rfc3339DateTimeOffsetConverter.Format(From!.Value) : null,
        ["to"] = IsCustom ? Rfc3339DateTimeOffsetConverter.Format(To!.Value) : null,
        ["workflow"] = Workflow,
    };

    public InsightsRange ToRange(DateTimeOffset now) => IsCustom
        ? new InsightsRange(From!.Value, To!.Value, Workflow)
        : InsightsRange.Last(Ranges.First(r => r.Key == Range).Span, now, Workflow);

    /// <summary>
    /// The period as the executions list names it, for the overview's links to it. A relative period stays relative (the
    /// link lists the last 24 hours when it is followed); a custom one keeps its bounds.
    /// </summary>
    public ListPeriod ToListPeriod() => IsCustom ? new ListPeriod(ExecutionsFilter.CustomRange, From, To) : new ListPeriod(Range);

    /// <summary>What the headline says the period is.</summary>
    public string Describe() => IsCustom
        ? $"{DisplayFormat.Utc(From)} – {DisplayFormat.Utc(To)}"
        : Ranges.First(r => r.Key == Range).Label;

    /// <summary>Buckets of the charts: a few dozen bars whatever the period.</summary>
    public static string BucketFor(InsightsRange range) => (range.To - range.From) switch
    {
        var span when span <= TimeSpan.FromHours(2) => "minute",
        var span when span <= TimeSpan.FromDays(3) => "hour",
        _ => "day",
    };
}
