using System.Globalization;
using Dashboard.Model;
using Dashboard.Model.Reducing;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace Dashboard.Components.Controls;

/// <summary>
/// The waterfall of a run's steps on one time axis: every attempt is a bar on its step's row, loop iterations fold
/// under their loop. Virtualised, so a 10,000-step run scrolls like a 10-step one. Arrow keys move the selection.
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
    public bool Filtered { get; set; }

    [Parameter]
    public EventCallback<TimelineRow> OnSelect { get; set; }

    [Parameter]
    public EventCallback<string> OnToggleLoop { get; set; }

    [Inject]
    public required Services.BrowserInterop Browser { get; init; }

    /// <summary>The rows after the static ones, for the virtualised list (a view, not a copy of 10,000 references).</summary>
    private ICollection<TimelineRow> Tail => new ListTail<TimelineRow>(Rows, StaticRows);

    private string? ActiveId => Rows.FirstOrDefault(IsSelected) is { } row ? RowId(row) : null;

    private bool IsSelected(TimelineRow row) =>
        Selected is { } key && row.Kind != TimelineRowKind.LoopGroup && row.StepId == key.StepId && row.LoopIndex == key.LoopIndex;

    private bool IsExpanded(TimelineRow row) => ExpandedLoops.Contains(row.StepId);

    private static string RowId(TimelineRow row) =>
        "step-" + Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(row.StepId + "|" + row.LoopIndex + "|" + row.Kind)).ToLowerInvariant();

    private Task SelectAsync(TimelineRow row) =>
        row.Kind == TimelineRowKind.LoopGroup ? ToggleLoopAsync(row) : OnSelect.InvokeAsync(row);

    private Task ToggleLoopAsync(TimelineRow row) => OnToggleLoop.InvokeAsync(row.StepId);

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
        for (var i = 0; i < Rows.Count; i++)
        {
            if (IsSelected(Rows[i]))
            {
                _inView = selected;
                await Browser.KeepInViewAsync(_rows, i * RowHeight, RowHeight);
                return;
            }
        }
    }

    private async Task OnKeyDownAsync(KeyboardEventArgs e)
    {
        _handledKey = e.Key is "ArrowDown" or "ArrowUp" or "Home" or "End" or "Enter";
        var selectable = Rows.Where(r => r.Kind != TimelineRowKind.LoopGroup || !IsExpanded(r)).ToList();
        if (!_handledKey || selectable.Count == 0)
        {
            return;
        }
        var current = selectable.FindIndex(IsSelected);
        var next = e.Key switch
        {
            "ArrowDown" => Math.Min(selectable.Count - 1, current + 1),
            "ArrowUp" => Math.Max(0, current < 0 ? 0 : current - 1),
            "Home" => 0,
            "End" => selectable.Count - 1,
            _ => Math.Max(0, current),
        };
        await SelectAsync(selectable[next]);
    }

    private string Percent(double ms) => (100 * ms / AxisMs).ToString("0.###", CultureInfo.InvariantCulture) + "%";

    /// <summary>Even an instant step gets a sliver, so it can be seen and hovered.</summary>
    private string Width(AttemptBar bar) => "max(3px, " + (100 * (bar.EndMs - bar.StartMs) / AxisMs).ToString("0.###", CultureInfo.InvariantCulture) + "%)";

    private static string BarTitle(TimelineRow row, AttemptBar bar) =>
        row.Kind == TimelineRowKind.LoopGroup
            ? $"{row.Label}: {row.Iterations} iterations, {DisplayFormat.Duration((long)(bar.EndMs - bar.StartMs))}"
            : $"{row.Label}, attempt {bar.Attempt}: {StepStatusStyle.Name(bar.Status)}, {DisplayFormat.Duration((long)(bar.EndMs - bar.StartMs))}";

    /// <summary>What the row's colours and bars show, said to a screen reader after the visible label.</summary>
    private static string AccessibleDetail(TimelineRow row) => row.Kind switch
    {
        TimelineRowKind.LoopGroup => $", loop of {row.Iterations} iterations, {StepStatusStyle.Name(row.Status)}",
        TimelineRowKind.Iteration => $" of {row.StepId}, {StepStatusStyle.Name(row.Status)}",
        _ => $", {StepStatusStyle.Name(row.Status)}{(row.AttemptCount > 1 ? $", {row.AttemptCount} attempts" : "")}",
    };
}
