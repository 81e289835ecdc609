using Dashboard.Model.Reducing;
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
        var entries = new List<List<StepTrace>>();
        foreach (var attempt in allAttempts)
        {
            var key = (attempt.StepId, attempt.LoopIndex);
            if (!attempts.TryGetValue(key, out var list))
            {
                attempts[key] = list = [];
                entries.Add(list);
            }
            list.Add(attempt);
        }
        var axisStart = origin ?? Origin(run, allAttempts, now);
        var rows = new List<TimelineRow>();
        // Keep the order in which steps first started (the trace's order), grouping a loop's iterations at its first.
        foreach (var group in entries.GroupBy(e => e[0].StepId))
        {
            var members = group.ToList();
            if (!members.Any(e => e[0].LoopIndex is not null))
            {
                var row = StepRow(TimelineRowKind.Step, members[0], axisStart, now);
                if (Matches(row, Latest(members[0]), filter))
                {
                    rows.Add(row);
                }
                continue;
            }
            var iterations = members.OrderBy(e => e[0].LoopIndex).ToList();
            var visible = iterations.Select(e => (Row: IterationRow(e, axisStart, now), Latest: Latest(e))).Where(r => Matches(r.Row, r.Latest, filter)).ToList();
            if (visible.Count == 0)
            {
                continue;
            }
            rows.Add(LoopRow(iterations.Select(e => (IReadOnlyList<StepTrace>)e).ToList(), axisStart, now));
            if (expandedLoops.Contains(group.Key) || !filter.IsEmpty)
            {
                rows.AddRange(visible.Select(r => r.Row));
            }
        }
        return rows;
    }

    /// <summary>
    /// The rows of a run's state, made when shown (<see cref="LazyTimelineRows"/>): for a big run, whose rows as objects
    /// would take more memory than the rest of the page. Rows the filter hides are made once here to be tested; with no
    /// filter, only loops are.
    /// </summary>
    public static (LazyTimelineRows Rows, double AxisMs) BuildLazy(RunSummary run, RunState state, DateTimeOffset now, IReadOnlySet<string> expandedLoops,
        TimelineFilter filter)
    {
        var count = state.StepEntryCount;
        var axisStart = Earliest(run.StartedAt, state.EarliestStart()) ?? now;
        var groupOf = new Dictionary<string, int>(count, StringComparer.Ordinal);
        var groups = new List<(string StepId, List<int> Entries, bool IsLoop)>();
        for (var entry = 0; entry < count; entry++)
        {
            var key = state.KeyAt(entry);
            if (groupOf.TryGetValue(key.StepId, out var group))
            {
                var (stepId, members, isLoop) = groups[group];
                members.Add(entry);
                groups[group] = (stepId, members, isLoop || key.LoopIndex is not null);
                continue;
            }
            groupOf[key.StepId] = groups.Count;
            groups.Add((key.StepId, [entry], key.LoopIndex is not null));
        }
        var plans = new List<RowPlan>(groups.Count);
        var groupEntries = new List<int>();
        var loops = new List<(int Start, int Count)>();
        var rowOfEntry = new int[count];
        Array.Fill(rowOfEntry, -1);
        var shownEnd = axisStart;
        foreach (var (stepId, members, isLoop) in groups)
        {
            if (!isLoop)
            {
                if (!filter.IsEmpty)
                {
                    var history = state.StepAt(members[0]);
                    var row = StepRow(TimelineRowKind.Step, history.Attempts, axisStart, now);
                    if (!Matches(row, Latest(history.Attempts), filter))
                    {
                        continue;
                    }
                    shownEnd = Later(shownEnd, row, axisStart);
                }
                rowOfEntry[members[0]] = plans.Count;
                plans.Add(new RowPlan(TimelineRowKind.Step, members[0]));
                continue;
            }
            var iterations = members.Select(state.StepAt).OrderBy(h => h.Key.LoopIndex).ToList();
            var visible = iterations.Select(h => (Row: IterationRow(h.Attempts, axisStart, now), History: h))
                .Where(r => Matches(r.Row, Latest(r.History.Attempts), filter)).ToList();
            if (visible.Count == 0)
            {
                continue;
            }
            var loopRow = LoopRow(iterations.Select(h => h.Attempts).ToList(), axisStart, now);
            shownEnd = Later(shownEnd, loopRow, axisStart);
            plans.Add(new RowPlan(TimelineRowKind.LoopGroup, loops.Count));
            loops.Add((groupEntries.Count, iterations.Count));
            groupEntries.AddRange(iterations.Select(h => state.OrderOf(h.Key)));
            if (expandedLoops.Contains(stepId) || !filter.IsEmpty)
            {
                foreach (var (row, history) in visible)
                {
                    var entry = state.OrderOf(history.Key);
                    rowOfEntry[entry] = plans.Count;
                    plans.Add(new RowPlan(TimelineRowKind.Iteration, entry));
                    shownEnd = Later(shownEnd, row, axisStart);
                }
            }
        }
        // With no filter every attempt is on a row (a folded loop's bar spans its iterations): the axis reaches the last.
        if (filter.IsEmpty)
        {
            shownEnd = state.LatestBarEnd(axisStart, now);
        }
        var axisMs = Math.Max(1, Math.Max(RunEndMs(run, axisStart, now), plans.Count == 0 ? 0 : (shownEnd - axisStart).TotalMilliseconds));
        return (new LazyTimelineRows(state, [.. plans], [.. loops], [.. groupEntries], rowOfEntry, axisStart, now), axisMs);
    }

    private static DateTimeOffset Later(DateTimeOffset end, TimelineRow row, DateTimeOffset origin) =>
        row.Bars.Count == 0 ? end : Max(end, origin.AddMilliseconds(row.Bars.Max(b => b.EndMs)));

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>A step's row: its latest attempt's status and duration, a bar per attempt.</summary>
    internal static TimelineRow StepRow(TimelineRowKind kind, IReadOnlyList<StepTrace> attempts, DateTimeOffset origin, DateTimeOffset now)
    {
        var latest = Latest(attempts);
        return new TimelineRow
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
    }

    internal static TimelineRow StepRow(TimelineRowKind kind, StepHistory history, DateTimeOffset origin, DateTimeOffset now) =>
        StepRow(kind, history.Attempts, origin, now);

    internal static TimelineRow IterationRow(IReadOnlyList<StepTrace> attempts, DateTimeOffset origin, DateTimeOffset now) =>
        StepRow(TimelineRowKind.Iteration, attempts, origin, now) with { Label = $"iteration {attempts[0].LoopIndex}" };

    internal static TimelineRow IterationRow(StepHistory history, DateTimeOffset origin, DateTimeOffset now) => IterationRow(history.Attempts, origin, now);

    internal static TimelineRow LoopRow(List<StepHistory> iterations, DateTimeOffset origin, DateTimeOffset now) =>
        LoopRow(iterations.Select(h => h.Attempts).ToList(), origin, now);

    /// <summary>A loop's folded row: one bar from its first iteration's start to its last one's end.</summary>
    private static TimelineRow LoopRow(List<IReadOnlyList<StepTrace>> iterations, DateTimeOffset origin, DateTimeOffset now)
    {
        var latest = iterations.Select(Latest).ToList();
        var first = latest[0];
        var bars = iterations.SelectMany(e => e.Select(a => Bar(a, origin, now))).ToList();
        var status = GroupStatus(latest);
        return new TimelineRow
        {
            Kind = TimelineRowKind.LoopGroup,
            StepId = first.StepId,
            Label = first.StepName ?? first.StepId,
            Status = status,
            Model = latest.Select(e => e.ModelUsed).FirstOrDefault(m => m is not null),
            AttemptCount = bars.Count,
            Bars = bars.Count == 0 ? [] : [new AttemptBar(0, status, bars.Min(b => b.StartMs), bars.Max(b => b.EndMs), bars.Any(b => b.Open))],
            DurationMs = bars.Count == 0 ? null : (long)(bars.Max(b => b.EndMs) - bars.Min(b => b.StartMs)),
            Iterations = iterations.Count,
            FailedIterations = latest.Count(e => e.Status == StepStatus.Failed),
        };
    }

    private static StepTrace Latest(IReadOnlyList<StepTrace> attempts) => attempts.MaxBy(a => a.Attempt)!;

    /// <summary>
    /// Where a run's time axis starts: when it started, or when its first attempt did if that was earlier. An engine's
    /// workers keep clocks of their own, so a step can say it started before its run did; on an axis from the run's
    /// start its bar would lie left of the track, over the step names.
    /// </summary>
    public static DateTimeOffset Origin(RunSummary run, IReadOnlyList<StepTrace> allAttempts, DateTimeOffset now)
    {
        DateTimeOffset? first = null;
        foreach (var attempt in allAttempts)
        {
            first = Earliest(first, attempt.StartedAt ?? attempt.CompletedAt);
        }
        return Earliest(run.StartedAt, first) ?? now;
    }

    /// <summary>The length of the time axis from <paramref name="origin"/>: to the run's end (or now while it runs), or the last bar's.</summary>
    public static double AxisMs(RunSummary run, IReadOnlyList<TimelineRow> rows, DateTimeOffset now, DateTimeOffset origin)
    {
        var barsEnd = rows.SelectMany(r => r.Bars).Select(b => b.EndMs).DefaultIfEmpty(0).Max();
        return Math.Max(1, Math.Max(RunEndMs(run, origin, now), barsEnd));
    }

    /// <summary>Where the run itself ends (or now, while it runs) on an axis from <paramref name="origin"/>; 0 before it started.</summary>
    private static double RunEndMs(RunSummary run, DateTimeOffset origin, DateTimeOffset now) =>
        run.StartedAt is not { } started ? 0
        : (started - origin).TotalMilliseconds + (run.DurationMs ?? (now - started).TotalMilliseconds);

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;

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
