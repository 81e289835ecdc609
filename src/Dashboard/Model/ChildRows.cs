using Dashboard.Model.Runs;

namespace Dashboard.Model;

/// <summary>
/// Puts child runs into their parent's timeline: a step (or loop) that started children says how many, and once it is
/// unfolded each child follows it as a row of its own with its steps under it, all on the parent's time axis, so that
/// the parent's wait on a child lines up with what the child was doing.
/// </summary>
public static class ChildRows
{
    /// <summary>Children shown under one step: a fan-out of hundreds belongs on the tree, not in the timeline.</summary>
    public const int MaxPerStep = 20;

    /// <param name="rows">The parent's rows, as <see cref="TimelineBuilder.Build"/> made them.</param>
    /// <param name="children">Each step's child runs, in the order they started.</param>
    /// <param name="unfolded">Steps whose children are shown.</param>
    /// <param name="loaded">Child runs read so far, by id (one unfolded and not yet read shows its row alone).</param>
    /// <param name="origin">The parent's axis start.</param>
    public static IReadOnlyList<TimelineRow> Weave(
        IReadOnlyList<TimelineRow> rows,
        IReadOnlyDictionary<string, IReadOnlyList<RunRecord>> children,
        IReadOnlySet<string> unfolded,
        IReadOnlyDictionary<string, ChildTimeline> loaded,
        DateTimeOffset origin,
        DateTimeOffset now)
    {
        if (children.Count == 0)
        {
            return rows;
        }
        var woven = new List<TimelineRow>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (row.Kind is not (TimelineRowKind.Step or TimelineRowKind.LoopGroup) || !children.TryGetValue(row.StepId, out var started))
            {
                woven.Add(row);
                continue;
            }
            woven.Add(row with { ChildRuns = started.Count });
            // A loop's children go after its unfolded iterations, so that the loop's block stays together.
            while (i + 1 < rows.Count && rows[i + 1].Kind == TimelineRowKind.Iteration && rows[i + 1].StepId == row.StepId)
            {
                woven.Add(rows[++i]);
            }
            if (unfolded.Contains(row.StepId))
            {
                AddChildren(woven, started, loaded, origin, now);
            }
        }
        return woven;
    }

    /// <summary>The children of each step that names itself as their parent step, newest last.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<RunRecord>> ByStep(IReadOnlyList<RunRecord> children) =>
        children.Where(c => c.ParentStepId is not null)
            .GroupBy(c => c.ParentStepId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<RunRecord>)g.OrderBy(c => c.StartedAt).ThenBy(c => c.Id, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);

    /// <summary>A child run's page, or the step's on it: where a child's row leads (nowhere for any other row).</summary>
    public static string? Url(TimelineRow row) => row.ChildRunId is not { } childRunId ? null
        : row.Kind == TimelineRowKind.ChildRun ? DashboardUrls.Run(childRunId)
        : DashboardUrls.Run(childRunId, row.StepId, row.LoopIndex);

    public static StepStatus StatusOf(RunStatus status) => status switch
    {
        RunStatus.Completed => StepStatus.Completed,
        RunStatus.Failed or RunStatus.Timeout => StepStatus.Failed,
        RunStatus.Cancelled => StepStatus.Skipped,
        _ => StepStatus.Running,
    };

    private static void AddChildren(List<TimelineRow> woven, IReadOnlyList<RunRecord> started, IReadOnlyDictionary<string, ChildTimeline> loaded,
        DateTimeOffset origin, DateTimeOffset now)
    {
        foreach (var listed in started.Take(MaxPerStep))
        {
            var child = loaded.GetValueOrDefault(listed.Id);
            var record = child?.Record ?? listed;
            woven.Add(RunRow(record, child, origin, now));
            if (child is null)
            {
                continue;
            }
            var steps = TimelineBuilder.Build(record.ToSummary(), child.Attempts, now, EmptySet, new TimelineFilter(), origin);
            woven.AddRange(steps.Select(s => s with { Kind = TimelineRowKind.ChildStep, ChildRunId = record.Id }));
        }
        if (started.Count > MaxPerStep)
        {
            woven.Add(new TimelineRow
            {
                Kind = TimelineRowKind.ChildRun,
                StepId = started[0].ParentStepId ?? "",
                Label = $"{started.Count - MaxPerStep:#,0} more child runs: see the child run tree",
                Status = StepStatus.Pending,
            });
        }
    }

    private static TimelineRow RunRow(RunRecord record, ChildTimeline? child, DateTimeOffset origin, DateTimeOffset now)
    {
        var status = StatusOf(record.Status);
        var label = record.WorkflowName ?? record.WorkflowId;
        if (child is { IsPartial: true })
        {
            label += $" (first {child.Attempts.Count:#,0} of {child.AttemptCount:#,0} attempts)";
        }
        IReadOnlyList<AttemptBar> bars = [];
        if (record.StartedAt is { } start)
        {
            var open = !record.Status.IsTerminal();
            var end = record.CompletedAt ?? (open ? now : start);
            bars = [new AttemptBar(0, status, (start - origin).TotalMilliseconds, Math.Max((end - origin).TotalMilliseconds, (start - origin).TotalMilliseconds), open)];
        }
        return new TimelineRow
        {
            Kind = TimelineRowKind.ChildRun,
            StepId = record.ParentStepId ?? "",
            ChildRunId = record.Id,
            Label = label,
            Status = status,
            Bars = bars,
            DurationMs = record.DurationMs,
        };
    }

    private static readonly IReadOnlySet<string> EmptySet = new HashSet<string>();
}
