using System.Collections;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;

namespace Dashboard.Model;

/// <summary>
/// The timeline rows of a big run, each made from the run's state when it is asked for (the virtualised list asks for
/// the few on screen): what the rows hold is a plan of a few integers per row, not a row and its bars per step.
/// The state is read as it is now, so a row shown after live events shows them; which rows there are (the filter, the
/// folds) is fixed when the plan is made.
/// </summary>
public sealed class LazyTimelineRows : IReadOnlyList<TimelineRow>
{
    private readonly RunState _state;
    private readonly RowPlan[] _plans;
    private readonly (int Start, int Count)[] _loops;
    private readonly int[] _groupEntries;
    private readonly int[] _rowOfEntry;
    private readonly DateTimeOffset _origin;
    private readonly DateTimeOffset _now;

    internal LazyTimelineRows(RunState state, RowPlan[] plans, (int Start, int Count)[] loops, int[] groupEntries, int[] rowOfEntry, DateTimeOffset origin,
        DateTimeOffset now, IReadOnlyDictionary<string, IReadOnlyList<RunRecord>>? children = null)
    {
        (_state, _plans, _loops, _groupEntries, _rowOfEntry, _origin, _now) = (state, plans, loops, groupEntries, rowOfEntry, origin, now);
        Children = children ?? new Dictionary<string, IReadOnlyList<RunRecord>>();
    }

    /// <summary>Each step's child runs: a step's or loop's row says how many it started.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<RunRecord>> Children { get; }

    /// <summary>Where the rows' time axis starts (bars are placed from it).</summary>
    public DateTimeOffset Origin => _origin;

    public int Count => _plans.Length;

    public TimelineRow this[int index]
    {
        get
        {
            var plan = _plans[index];
            var row = plan.Kind switch
            {
                TimelineRowKind.LoopGroup => TimelineBuilder.LoopRow(Iterations(plan), _origin, _now),
                TimelineRowKind.Iteration => TimelineBuilder.IterationRow(_state.StepAt(plan.Index), _origin, _now),
                _ => TimelineBuilder.StepRow(TimelineRowKind.Step, _state.StepAt(plan.Index), _origin, _now),
            };
            return plan.Kind != TimelineRowKind.Iteration && Children.TryGetValue(row.StepId, out var started) ? row with { ChildRuns = started.Count } : row;
        }
    }

    /// <summary>The same rows, saying how many child runs each step started.</summary>
    public LazyTimelineRows WithChildren(IReadOnlyDictionary<string, IReadOnlyList<RunRecord>> children) =>
        new(_state, _plans, _loops, _groupEntries, _rowOfEntry, _origin, _now, children);

    /// <summary>The row of a step or loop iteration (not of a loop's folded row); -1 when it is not shown.</summary>
    public int IndexOf(StepKey key) => _state.OrderOf(key) is var entry and >= 0 && entry < _rowOfEntry.Length ? _rowOfEntry[entry] : -1;

    public TimelineRowKind KindAt(int index) => _plans[index].Kind;

    public IEnumerator<TimelineRow> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private List<StepHistory> Iterations(RowPlan plan)
    {
        var (start, count) = _loops[plan.Index];
        var iterations = new List<StepHistory>(count);
        for (var i = 0; i < count; i++)
        {
            iterations.Add(_state.StepAt(_groupEntries[start + i]));
        }
        return iterations;
    }
}

/// <summary>A row to be made: a step or iteration (<paramref name="Index"/>: its entry in the state), or a loop (its place among the loops).</summary>
internal readonly record struct RowPlan(TimelineRowKind Kind, int Index);
