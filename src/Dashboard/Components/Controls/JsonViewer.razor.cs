using System.Text.Json;
using Dashboard.Model;
using Dashboard.Services;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Dashboard.Components.Controls;

/// <summary>
/// Shows a payload: a lazily rendered, virtualised tree (open/close, search, copy a value or the whole, download), or
/// the raw text; a model call's messages (<see cref="ChatTranscriptReader"/>) open as a conversation first. A payload
/// the service truncated is shown raw with what was cut, never as if it were whole.
/// </summary>
public sealed partial class JsonViewer
{
    /// <summary>Raw text beyond this is shown on request: a multi-megabyte &lt;pre&gt; would stall the page.</summary>
    private const int RawPreviewLimit = 200_000;
    private const int ValueClip = 2_000;

    private const int RowHeight = 24;
    private const int Indent = 16;

    /// <summary>Past this depth rows stop moving right (they show their depth instead), so deep data stays readable.</summary>
    private const int MaxIndentedDepth = 16;

    private JsonViewerState? _state;
    private ElementReference _tree;
    private bool _scrollToMatch;
    private JsonElement? _shown;
    private JsonPayload? _shownPayload;
    private JsonPayload? _payload;
    private string? _shownFind;
    private string? _rawText;
    private ChatTranscript? _chat;
    private ViewMode _mode;
    private bool _showWholeRaw;
    private string? _search;

    [Parameter, EditorRequired]
    public required string Title { get; set; }

    /// <summary>The value as an element (its text is copied once: a page that keeps big payloads passes <see cref="Payload"/>).</summary>
    [Parameter]
    public JsonElement? Value { get; set; }

    /// <summary>The value as text kept by the page (a step's payloads), instead of <see cref="Value"/>.</summary>
    [Parameter]
    public JsonPayload? Payload { get; set; }

    /// <summary>The payload's original size in bytes (as the service recorded it).</summary>
    [Parameter]
    public long? SizeBytes { get; set; }

    /// <summary>True when the service cut the payload; <see cref="Value"/> is then the kept text as a JSON string.</summary>
    [Parameter]
    public bool IsTruncated { get; set; }

    [Parameter]
    public string FileName { get; set; } = "payload.json";

    [Parameter]
    public string? EmptyText { get; set; }

    /// <summary>Text to search for as the value is shown (a search hit's word): the tree opens at its first match.</summary>
    [Parameter]
    public string? Find { get; set; }

    [Inject]
    public required BrowserInterop Browser { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    private long StoredBytes => System.Text.Encoding.UTF8.GetByteCount(RawText);

    private string RawText => _rawText ??= _payload is not { } payload
        ? ""
        : IsTruncated && payload.Kind == JsonValueKind.String
            ? payload.Root.GetString()
            : payload.Indented();

    private string RawPreview => _showWholeRaw || RawText.Length <= RawPreviewLimit ? RawText : RawText[..RawPreviewLimit] + "\n…";

    protected override void OnParametersSet()
    {
        if (Equals(_shown, Value) && ReferenceEquals(_shownPayload, Payload))
        {
            return;
        }
        _shown = Value;
        _shownPayload = Payload;
        var next = Payload ?? JsonPayload.Of(Value);
        if (next is not null && _payload is not null && _state is not null && string.Equals(Find, _shownFind, StringComparison.Ordinal)
            && next.Root.Utf8.Span.SequenceEqual(_payload.Root.Utf8.Span))
        {
            // The same value read again (the step's attempts fetched anew, or the rest of the run loaded): the reader's
            // open branches, search and mode stay as they were instead of folding back to the root under them. (A link
            // that asks for another search still starts it.)
            return;
        }
        _shownFind = Find;
        _payload = next;
        _rawText = null;
        _showWholeRaw = false;
        _search = null;
        _state = _payload is { } payload && !IsTruncated ? new JsonViewerState(payload) : null;
        _chat = IsTruncated ? null : ChatTranscriptReader.Read(_payload);
        // A bare string or number has no tree worth showing; messages read best as a conversation.
        _mode = _payload is { Kind: not (JsonValueKind.Object or JsonValueKind.Array) } ? ViewMode.Raw
            : _chat is not null ? ViewMode.Messages
            : ViewMode.Tree;
        if (!string.IsNullOrWhiteSpace(Find) && _state is not null && _mode != ViewMode.Raw)
        {
            _ = SearchAsync(Find);
        }
    }

    private enum ViewMode
    {
        Messages,
        Tree,
        Raw,
    }

    private IEnumerable<ViewMode> Modes => _chat is null ? [ViewMode.Tree, ViewMode.Raw] : [ViewMode.Messages, ViewMode.Tree, ViewMode.Raw];

    private void Toggle(string path) => _state?.Toggle(path);

    private void Expand(int depth) => _state?.ExpandToDepth(depth);

    private void ShowMore(string path) => _state?.ShowMore(path);

    private Task SearchAsync(string? text)
    {
        _search = text;
        if (_state is not null)
        {
            _mode = ViewMode.Tree;
            _state.Search(text);
            _scrollToMatch = _state.MatchCount > 0;
        }
        return Task.CompletedTask;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (_scrollToMatch && _state is not null && _state.FirstMatchRow is var row and >= 0)
        {
            _scrollToMatch = false;
            // A little context above the match.
            await Browser.ScrollToAsync(_tree, (row - 2) * RowHeight, 0);
        }
    }

    private async Task CopyAllAsync() => await CopyAsync(RawText, Title);

    private async Task CopyNodeAsync(JsonTreeNode node) =>
        await CopyAsync(node.IsContainer ? node.Json() : node.Display, node.Path);

    private async Task CopyAsync(string text, string what)
    {
        var copied = await Browser.CopyAsync(text);
        Snackbar.Add(copied ? $"Copied {what}" : "The browser refused the clipboard", copied ? Severity.Success : Severity.Warning);
    }

    private async Task DownloadAsync() =>
        await Browser.DownloadAsync(IsTruncated ? Path.ChangeExtension(FileName, ".truncated.txt") : FileName, RawText, IsTruncated ? "text/plain" : "application/json");

    /// <summary>Line breaks shown as ⏎, so a multi-line string stays on its row (the raw view has it as written).</summary>
    private static int IndentOf(int depth) => Math.Min(depth, MaxIndentedDepth) * Indent;

    private static string OneLine(string text) => text.Contains('\n', StringComparison.Ordinal) ? text.Replace("\r\n", "⏎", StringComparison.Ordinal).Replace('\n', '⏎') : text;

    private static string Clip(string text) => text.Length <= ValueClip ? text : text[..ValueClip] + $"… ({text.Length:#,0} characters; copy or view raw for all)";
}
