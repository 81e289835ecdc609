using System.Text.Json;
using Dashboard.Client;
using Dashboard.Model;
using Dashboard.Model.Runs;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web.Virtualization;

namespace Dashboard.Components.Controls;

/// <summary>
/// A run's log lines below its rollup: closed until asked for (a run page does not pay for logs it does not show), then
/// a level and a text filter over the logs API. The list is virtualised over every matching line: it reads the pages
/// it scrolls to (by offset), so 100,000 lines scroll like 100. Every string is rendered as text.
/// </summary>
public sealed partial class RunLogs : IDisposable
{
    private readonly CancellationTokenSource _disposed = new();
    private RunLogsView _view = null!;
    private bool _open;
    private Virtualize<RunLogLine>? _list;
    private ElementReference _listElement;

    /// <summary>The list element told to follow its end (a new one each time the panel opens).</summary>
    private ElementReference? _stuck;

    /// <summary>The line opened in full below the list.</summary>
    private RunLogLine? _selected;

    /// <summary>A new list for each filter: its scroll position and the items it asked for belong to the old one.</summary>
    private int _generation;

    [Parameter, EditorRequired]
    public required string RunId { get; set; }

    /// <summary>Only this step's lines (the step panel's Logs tab), of <see cref="Attempt"/> and <see cref="LoopIndex"/> when given.</summary>
    [Parameter]
    public string? StepId { get; set; }

    [Parameter]
    public int? Attempt { get; set; }

    [Parameter]
    public int? LoopIndex { get; set; }

    /// <summary>Changes when the run (or the step) has news: an open panel at its last page reads the lines after it.</summary>
    [Parameter]
    public string? Version { get; set; }

    /// <summary>Open from the start, without the button that opens and closes it (inside a tab, which is that already).</summary>
    [Parameter]
    public bool AlwaysOpen { get; set; }

    /// <summary>Opens the panel filtered to messages holding this text (a search hit's word).</summary>
    [Parameter]
    public string? Find { get; set; }

    [Inject]
    public required IRunsClient Client { get; init; }

    [Inject]
    public required TimeDisplay Time { get; init; }

    protected override async Task OnParametersSetAsync()
    {
        var scope = (RunId, StepId, Attempt, LoopIndex);
        if (_view is not null && _scope == scope)
        {
            if (_open && Version != _version)
            {
                _version = Version;
                if (await _view.FollowAsync(Client, _disposed.Token) && _list is not null)
                {
                    await _list.RefreshDataAsync();
                }
            }
            return;
        }
        _version = Version;
        _scope = scope;
        _view = new RunLogsView(RunId, StepId is null ? null : (StepId, Attempt, LoopIndex));
        var find = string.IsNullOrWhiteSpace(Find) ? null : Find;
        _open = AlwaysOpen || find is not null;
        if (_open)
        {
            await SetFilterAsync(null, find);
        }
    }

    private (string, string?, int?, int?) _scope;
    private string? _version;

    [Inject]
    public required Services.BrowserInterop Browser { get; init; }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // A reader at the end of the lines stays there as new ones arrive, as a terminal's tail does.
        if (_open && _listElement.Id is not null && !_stuck.Equals(_listElement))
        {
            _stuck = _listElement;
            try
            {
                await Browser.StickToEndAsync(_listElement);
            }
            catch (Microsoft.JSInterop.JSDisconnectedException)
            {
                // The circuit went while the list rendered.
            }
        }
    }

    private async Task ToggleAsync()
    {
        _open = !_open;
        if (_open && !_view.HasLoaded)
        {
            await SetFilterAsync(_view.Level, _view.Text);
        }
    }

    private Task OnLevelChanged(string level) => SetFilterAsync(level, _view.Text);

    private Task OnTextChanged(string? text) => SetFilterAsync(_view.Level, text);

    private async Task SetFilterAsync(string? level, string? text)
    {
        _selected = null;
        await _view.SetFilterAsync(Client, level, text, _disposed.Token);
        _generation++;
    }

    private async ValueTask<ItemsProviderResult<RunLogLine>> ProvideLinesAsync(ItemsProviderRequest request)
    {
        IReadOnlyList<RunLogLine> lines;
        try
        {
            lines = await _view.LinesAsync(Client, request.StartIndex, request.Count, request.CancellationToken);
        }
        catch (OperationCanceledException) when (request.CancellationToken.IsCancellationRequested)
        {
            // Scrolled on before the page came: the list asked for others meanwhile and drops this answer. (The read's own
            // cancellation carries another token than the list's, which would otherwise end the circuit.)
            lines = [];
        }
        return new ItemsProviderResult<RunLogLine>(lines, (int)Math.Min(_view.Total, int.MaxValue));
    }

    // A step panel's tab and the run's panel are on one page: each body has its own id.
    private string BodyId => StepId is null ? "run-logs-body" : "step-logs-body";

    private static string Where(RunLogLine line) => line.StepId is null ? "run" :
        line.StepId + (line.LoopIndex is { } loop ? $" [{loop}]" : "") + (line.Attempt is { } attempt ? $" #{attempt}" : "");

    // Non-ASCII text as written ("Zürich", not "Z\u00FCrich"): the default encoder escapes everything outside ASCII,
    // and the text is shown inert anyway.
    private static string FieldsJson(IReadOnlyDictionary<string, JsonElement> fields) =>
        JsonSerializer.Serialize(fields, JsonPayload.IndentedOptions);

        private static string FieldsText(IReadOnlyDictionary<string, JsonElement> fields) =>
        string.Join("  ", fields.Select(pair => $"{pair.Key}={(pair.Value.ValueKind == JsonValueKind.String ? pair.Value.GetString() : pair.Value.GetRawText())}"));

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}
