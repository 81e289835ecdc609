using System.Globalization;
using Dashboard.Model;
using Dashboard.Model.Reducing;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace Dashboard.Components.Controls;

/// <summary>
/// The waterfall of a run's steps on one time axis: every attempt is a bar on its step's row, loop iterations fold
/// under their loop, and a step's child runs can unfold under it (their rows open the child's page). Virtualised, so
/// a 10,000-step run scrolls like a 10-step one. Arrow keys move the selection among the run's own steps.
/// </summary>
public sealed partial class StepTimeline
{
    /// <summary>Rows rendered without virtualisation: more than the list's viewport (55% of the window) holds.</summary>
    private const int StaticRows = 40;

    /// <summary>Every row's height (fixed in the style sheet), so that a row's place in the list is its index times this.</summary>
    private const int RowHeight = 30;

    private ElementReference _container;
    private ElementReference _rows;

    /// <summary>The selection last brought into view: a new one is, once its row exists (a big run's may come later).</summary>
    private StepKey? _inView;

    /// <summary>The timeline element, for callers that move focus to it.</summary>
    public ElementReference Element => _container;
    private bool _handledKey;

    [Parameter, EditorRequired]
    public required IReadOnlyList<TimelineRow> Rows { get; set; }

    [Parameter]
    public double AxisMs { get; set; } = 1;

    [Parameter]
    public StepKey? Selected { get; set; }

    [Parameter]
    public IReadOnlySet<string> ExpandedLoops { get; set; } = new HashSet<string>();

    [Parameter]
    public IReadOnlySet<string> UnfoldedChildren { get; set; } = new HashSet<string>();

    [Parameter]
    public bool Filtered { get; set; }

    [Parameter]
    public EventCallback<TimelineRow> OnSelect { get; set; }

    [Parameter]
    public EventCallback<string> OnToggleLoop { get; set; }

    [Parameter]
    public EventCallback<string> OnToggleChildren { get; set; }

    /// <summary>A child run's row (or one of its steps) was clicked, or Enter pressed on it.</summary>
    [Parameter]
    public EventCallback<TimelineRow> OnOpenChild { get; set; }

    [Inject]
    public required Services.BrowserInterop Browser { get; init; }

    /// <summary>The rows after the static ones, for the virtualised list (a view, not a copy of 10,000 references).</summary>
    private ICollection<TimelineRow> Tail => new ListTail<TimelineRow>(Rows, StaticRows);

    /// <summary>
    /// A child run's row the arrow keys are on: marked, not opened (opening it leaves this run), until Enter. The run's
    /// own rows are opened as the arrows reach them.
    /// </summary>
    private TimelineRow? _activeChild;

    private string? ActiveId => ActiveIndex() is var index and >= 0 ? RowId(Rows[index]) : null;

    /// <summary>
    /// Where the active row is: a big run's rows are made when asked for, so its selected step is looked up by key rather
    /// than by making every row before it (this runs on every render).
    /// </summary>
    private int ActiveIndex()
    {
        if (_activeChild is null && Rows is LazyTimelineRows lazy)
        {
            return Selected is { } key ? lazy.IndexOf(key) : -1;
        }
        for (var i = 0; i < Rows.Count; i++)
        {
            if (IsActive(Rows[i]))
            {
                return i;
            }
        }
        return -1;
    }

    private bool IsSelectable(TimelineRow row) =>
        (row.Kind != TimelineRowKind.LoopGroup || !IsExpanded(row)) && (row.Kind != TimelineRowKind.ChildRun || row.ChildRunId is not null);

    /// <summary>The first selectable row from <paramref name="from"/> on, going by <paramref name="step"/>; -1 if none.</summary>
    private int NextSelectable(int from, int step)
    {
        for (var i = from; i >= 0 && i < Rows.Count; i += step)
        {
            if (IsSelectable(Rows[i]))
            {
                return i;
            }
        }
        return -1;
    }

    private bool IsActive(TimelineRow row) => _activeChild is null ? IsSelected(row) : row == _activeChild;

    private bool IsSelected(TimelineRow row) =>
        Selected is { } key && row.Kind is TimelineRowKind.Step or TimelineRowKind.Iteration && row.StepId == key.StepId && row.LoopIndex == key.LoopIndex;

    private bool IsExpanded(TimelineRow row) => ExpandedLoops.Contains(row.StepId);

    private bool IsUnfolded(TimelineRow row) => UnfoldedChildren.Contains(row.StepId);

    private static string RowId(TimelineRow row) =>
        "step-" + Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(row.ChildRunId + "|" + row.StepId + "|" + row.LoopIndex + "|" + row.Kind)).ToLowerInvariant();

    private static int Indent(TimelineRow row) => row.Kind switch
    {
        TimelineRowKind.LoopGroup => 22,
        TimelineRowKind.Iteration or TimelineRowKind.ChildRun => 28,
        TimelineRowKind.ChildStep => 48,
        _ => 4,
    };

    /// <summary>Short, beside a label that needs the room; the option's text and the toggle's title say what it unfolds.</summary>
    private static string ChildCount(TimelineRow row) => row.ChildRuns == 1 ? "1 run" : $"{row.ChildRuns:#,0} runs";

    private Task SelectAsync(TimelineRow row)
    {
        _activeChild = null;
        return row.Kind switch
        {
            TimelineRowKind.LoopGroup => ToggleLoopAsync(row),
            TimelineRowKind.ChildRun or TimelineRowKind.ChildStep => row.ChildRunId is null ? Task.CompletedTask : OnOpenChild.InvokeAsync(row),
            _ => OnSelect.InvokeAsync(row),
        };
    }

    /// <summary>A child's row the arrows were on is let go when it is folded away.</summary>
    protected override void OnParametersSet()
    {
        if (_activeChild is not null && !Rows.Contains(_activeChild))
        {
            _activeChild = null;
        }
    }

    private Task ToggleLoopAsync(TimelineRow row) => OnToggleLoop.InvokeAsync(row.StepId);

    private Task ToggleChildrenAsync(TimelineRow row) => OnToggleChildren.InvokeAsync(row.StepId);

    /// <summary>
    /// A step chosen by a link or the keyboard may be far down a virtualised list that has not rendered its row: the list
    /// is scrolled just enough to show it (a row clicked on screen is already in view, and nothing moves).
    /// </summary>
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (Selected is not { } selected || selected == _inView)
        {
            return;
        }
        var index = Rows is LazyTimelineRows lazy ? lazy.IndexOf(selected) : IndexOfSelected();
        if (index >= 0)
        {
            _inView = selected;
            await Browser.KeepInViewAsync(_rows, index * RowHeight, RowHeight);
        }
    }

    private int IndexOfSelected()
    {
        for (var i = 0; i < Rows.Count; i++)
        {
            if (IsSelected(Rows[i]))
            {
                return i;
            }
        }
        return -1;
    }

    private async Task OnKeyDownAsync(KeyboardEventArgs e)
    {
        _handledKey = e.Key is "ArrowDown" or "ArrowUp" or "Home" or "End" or "Enter" or "ArrowRight" or "ArrowLeft";
        if (e.Key is "ArrowRight" or "ArrowLeft")
        {
            await UnfoldAsync(e.Key == "ArrowRight");
            return;
        }
        var first = NextSelectable(0, 1);
        if (!_handledKey || first < 0)
        {
            return;
        }
        // Walked row by row from the active one (not by listing the selectable rows: a big run's are made when asked for).
        var current = ActiveIndex();
        var index = current < 0 ? first : e.Key switch
        {
            "ArrowDown" => NextSelectable(current + 1, 1) is var below and >= 0 ? below : current,
            "ArrowUp" => NextSelectable(current - 1, -1) is var above and >= 0 ? above : current,
            "Home" => first,
            "End" => NextSelectable(Rows.Count - 1, -1),
            _ => current,
        };
        if (current < 0 && e.Key == "End")
        {
            index = NextSelectable(Rows.Count - 1, -1);
        }
        var row = Rows[index];
        if (row.IsChild && e.Key != "Enter")
        {
            _activeChild = row;
            await Browser.KeepInViewAsync(_rows, index * RowHeight, RowHeight);
            return;
        }
        _activeChild = null;
        await SelectAsync(row);
    }

    /// <summary>
    /// → unfolds the current step's child runs, ← folds them (on a loop iteration, ← folds its loop; a folded loop
    /// unfolds when the arrows reach it).
    /// </summary>
    private async Task UnfoldAsync(bool unfold)
    {
        if (ActiveIndex() is var index && (index < 0 || Rows[index] is not { IsChild: false } row))
        {
            return;
        }
        if (row.ChildRuns > 0 && IsUnfolded(row) != unfold)
        {
            await ToggleChildrenAsync(row);
        }
        else if (row.Kind == TimelineRowKind.Iteration && !unfold && ExpandedLoops.Contains(row.StepId))
        {
            await OnToggleLoop.InvokeAsync(row.StepId);
        }
    }

    private string Percent(double ms) => (100 * ms / AxisMs).ToString("0.###", CultureInfo.InvariantCulture) + "%";

    /// <summary>Even an instant step gets a sliver, so it can be seen and hovered.</summary>
    private string Width(AttemptBar bar) => "max(3px, " + (100 * (bar.EndMs - bar.StartMs) / AxisMs).ToString("0.###", CultureInfo.InvariantCulture) + "%)";

    private static string BarTitle(TimelineRow row, AttemptBar bar) =>
        row.Kind == TimelineRowKind.ChildRun
            ? $"Child run {row.Label}: {StepStatusStyle.Name(bar.Status)}, {DisplayFormat.Duration((long)(bar.EndMs - bar.StartMs))}"
            : row.Iterations > 0
            ? $"{row.Label}: {row.Iterations} iterations, {DisplayFormat.Duration((long)(bar.EndMs - bar.StartMs))}"
            : $"{row.Label}, attempt {bar.Attempt}: {StepStatusStyle.Name(bar.Status)}, {DisplayFormat.Duration((long)(bar.EndMs - bar.StartMs))}";

    /// <summary>What the row's colours and bars show, said to a screen reader after the visible label.</summary>
    private string AccessibleDetail(TimelineRow row) => row.Kind switch
    {
        TimelineRowKind.LoopGroup => $", loop of {row.Iterations} iterations, {StepStatusStyle.Name(row.Status)}{ChildrenDetail(row)}",
        TimelineRowKind.Iteration => $" of {row.StepId}, {StepStatusStyle.Name(row.Status)}",
        TimelineRowKind.ChildRun => row.ChildRunId is null ? "" : $", child run {row.ChildRunId}, {StepStatusStyle.Name(row.Status)}",
        TimelineRowKind.ChildStep => $", step of child run {row.ChildRunId}, {StepStatusStyle.Name(row.Status)}",
        _ => $", {StepStatusStyle.Name(row.Status)}{(row.AttemptCount > 1 ? $", {row.AttemptCount} attempts" : "")}{ChildrenDetail(row)}",
    };

    private string ChildrenDetail(TimelineRow row) =>
        row.ChildRuns == 0 ? ""
        : IsUnfolded(row) ? $", started {ChildCount(row)}, shown below"
        : $", started {ChildCount(row)}, right arrow to unfold";
}
