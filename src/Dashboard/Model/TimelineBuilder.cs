using Dashboard.Model.Runs;

namespace Dashboard.Model;

/// <summary>What the timeline shows: all steps, only failed ones, or those whose name, id or model matches a text.</summary>
public sealed record TimelineFilter(bool FailedOnly = false, string? Text = null)
{
    public bool IsEmpty => !FailedOnly && string.IsNullOrWhiteSpace(Text);
}

/// <summary>
/// Turns a trace (latest attempt of each step and loop iteration) plus every attempt into timeline rows on one time
/// axis. Iterations of a loop are grouped under one row that folds; retries are bars on the same row.
/// </summary>
public static class TimelineBuilder
{
    /// <param name="allAttempts">Every attempt of every (step, loop iteration), in the order steps first started.</param>
    /// <param name="origin">Where the axis starts: the run's start unless given (a child run's steps go on its parent's axis).</param>
    public static IReadOnlyList<TimelineRow> Build(
        RunSummary run,
        IReadOnlyList<StepTrace> allAttempts,
        DateTimeOffset now,
        IReadOnlySet<string> expandedLoops,
        TimelineFilter filter,
        DateTimeOffset? origin = null)
    {
        var attempts = new Dictionary<(string StepId, int? LoopIndex), List<StepTrace>>();
        var latest = new List<StepTrace>();
        foreach (var attempt in allAttempts)
        {
            var key = (attempt.StepId, attempt.LoopIndex);
            if (!attempts.TryGetValue(key, out var list))
            {
                attempts[key] = list = [];
                latest.Add(attempt);
            }
            list.Add(attempt);
        }
        for (var i = 0; i < latest.Count; i++)
        {
            latest[i] = attempts[(latest[i].StepId, latest[i].LoopIndex)].MaxBy(a => a.Attempt)!;
        }
        var axisStart = origin ?? Origin(run, allAttempts, now);
        var rows = new List<TimelineRow>();
        var groups = latest.GroupBy(s => s.StepId).ToList();
        // Keep the order in which steps first started (the trace's order), grouping a loop's iterations at its first.
        foreach (var group in groups)
        {
            var entries = group.ToList();
            var isLoop = entries.Any(e => e.LoopIndex is not null);
            if (!isLoop)
            {
                var step = entries[0];
                var row = StepRow(TimelineRowKind.Step, step, AttemptsOf(attempts, step), axisStart, now);
                if (Matches(row, step, filter))
                {
                    rows.Add(row);
                }
                continue;
            }

            var iterations = entries.OrderBy(e => e.LoopIndex).Select(e => StepRow(TimelineRowKind.Iteration, e, AttemptsOf(attempts, e), axisStart, now) with
            {
                Label = $"iteration {e.LoopIndex}",
            }).ToList();
            var visible = iterations.Where((row, i) => Matches(row, entries.OrderBy(e => e.LoopIndex).ElementAt(i), filter)).ToList();
            if (visible.Count == 0)
            {
                continue;
            }
            var first = entries[0];
            var bars = iterations.SelectMany(r => r.Bars).ToList();
            rows.Add(new TimelineRow
            {
                Kind = TimelineRowKind.LoopGroup,
                StepId = first.StepId,
                Label = first.StepName ?? first.StepId,
                Status = GroupStatus(entries),
                Model = entries.Select(e => e.ModelUsed).FirstOrDefault(m => m is not null),
                AttemptCount = iterations.Sum(r => r.AttemptCount),
                Bars = bars.Count == 0 ? [] : [new AttemptBar(0, GroupStatus(entries), bars.Min(b => b.StartMs), bars.Max(b => b.EndMs), bars.Any(b => b.Open))],
                DurationMs = bars.Count == 0 ? null : (long)(bars.Max(b => b.EndMs) - bars.Min(b => b.StartMs)),
                Iterations = entries.Count,
                FailedIterations = entries.Count(e => e.Status == StepStatus.Failed),
            });
            if (expandedLoops.Contains(first.StepId) || !filter.IsEmpty)
            {
                rows.AddRange(visible);
            }
        }
        return rows;
    }

    /// <summary>Where a run's time axis starts: when it started, or (before that is known) when its first attempt did.</summary>
    public static DateTimeOffset Origin(RunSummary run, IReadOnlyList<StepTrace> allAttempts, DateTimeOffset now) =>
        run.StartedAt ?? allAttempts.Select(s => s.StartedAt).Where(t => t is not null).Min() ?? now;

    /// <summary>The length of the time axis: the run's duration, or until now while it runs.</summary>
    public static double AxisMs(RunSummary run, IReadOnlyList<TimelineRow> rows, DateTimeOffset now)
    {
        var end = run.DurationMs ?? (run.StartedAt is { } started ? (now - started).TotalMilliseconds : 0);
        var barsEnd = rows.SelectMany(r => r.Bars).Select(b => b.EndMs).DefaultIfEmpty(0).Max();
        return Math.Max(1, Math.Max(end, barsEnd));
    }

    private static IReadOnlyList<StepTrace> AttemptsOf(Dictionary<(string, int?), List<StepTrace>> attempts, StepTrace step) =>
        attempts.TryGetValue((step.StepId, step.LoopIndex), out var all) && all.Count > 0 ? all : [step];

    private static TimelineRow StepRow(TimelineRowKind kind, StepTrace latest, IReadOnlyList<StepTrace> attempts, DateTimeOffset origin, DateTimeOffset now) => new()
    {
        Kind = kind,
        StepId = latest.StepId,
        LoopIndex = latest.LoopIndex,
        Label = latest.StepName ?? latest.StepId,
        Status = latest.Status,
        Model = latest.ModelUsed,
        AttemptCount = attempts.Count,
        Bars = attempts.Select(a => Bar(a, origin, now)).ToList(),
        DurationMs = latest.DurationMs,
    };

    private static AttemptBar Bar(StepTrace attempt, DateTimeOffset origin, DateTimeOffset now)
    {
        var start = attempt.StartedAt ?? attempt.CompletedAt ?? origin;
        var open = attempt.CompletedAt is null && attempt.Status == StepStatus.Running;
        var end = attempt.CompletedAt ?? (open ? now : start);
        return new AttemptBar(attempt.Attempt, attempt.Status, (start - origin).TotalMilliseconds, Math.Max((end - origin).TotalMilliseconds, (start - origin).TotalMilliseconds), open);
    }

    private static StepStatus GroupStatus(List<StepTrace> entries) =>
        entries.Any(e => e.Status == StepStatus.Running) ? StepStatus.Running
        : entries.Any(e => e.Status == StepStatus.Failed) ? StepStatus.Failed
        : entries.All(e => e.Status == StepStatus.Skipped) ? StepStatus.Skipped
        : StepStatus.Completed;

    private static bool Matches(TimelineRow row, StepTrace step, TimelineFilter filter)
    {
        if (filter.FailedOnly && row.Status != StepStatus.Failed && !row.Bars.Any(b => b.Status == StepStatus.Failed))
        {
            return false;
        }
        if (string.IsNullOrWhiteSpace(filter.Text))
        {
            return true;
        }
        var text = filter.Text.Trim();
        return step.StepId.Contains(text, StringComparison.OrdinalIgnoreCase)
            || (step.StepName?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false)
            || (step.ModelUsed?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false)
            || (step.Operation?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false);
    }
}
