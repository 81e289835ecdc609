using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace Dashboard.Components.Controls;

/// <summary>
/// A text box that reports its text once typing pauses, and never loses what was typed to a render of the page around it.
/// </summary>
/// <remarks>
/// MudBlazor's own <c>DebounceInterval</c> (9.12) ends its pause on a timer thread and then queues the update on the
/// circuit: a render of the page queued in between hands the box the page's old value, and when no key was pressed (text
/// pasted with the mouse, a form filler, dictation, a test's fill) the box takes that value, so the text is gone and
/// nothing is reported. Our pages render often (live lists, feeds, runs), and an executions search filled right as the
/// page turned interactive was lost that way about once in 80 tries under load. Here the box shows this component's own
/// text and reports every change at once; the pause is kept here, and ends in the same work on the circuit that reports
/// the text, so no render comes between. A value the page sets (a link, a cleared filter, this field's report coming
/// back) is shown, unless the user is typing: what they type is reported at the pause and wins.
/// </remarks>
public sealed partial class DebouncedTextField : IDisposable
{
    private string? _text;
    private string? _value;
    private bool _seen;
    private ITimer? _pause;
    private int _keys;
    private bool _disposed;

    [Inject]
    private TimeProvider Time { get; set; } = null!;

    /// <summary>The text the page holds (the filter in its URL, say).</summary>
    [Parameter]
    public string? Value { get; set; }

    /// <summary>The text, once typing has paused for <see cref="PauseMs"/>; at once on Enter or when the box is emptied.</summary>
    [Parameter]
    public EventCallback<string?> ValueChanged { get; set; }

    [Parameter]
    public int PauseMs { get; set; } = 300;

    [Parameter]
    public string? Placeholder { get; set; }

    [Parameter]
    public string? Label { get; set; }

    [Parameter]
    public bool Clearable { get; set; }

    /// <summary>An icon at the box's start.</summary>
    [Parameter]
    public string? AdornmentIcon { get; set; }

    [Parameter]
    public string? Class { get; set; }

    /// <summary>Anything else for the input (its aria-label).</summary>
    [Parameter(CaptureUnmatchedValues = true)]
    public IReadOnlyDictionary<string, object>? Attributes { get; set; }

    protected override void OnParametersSet()
    {
        if (_seen && string.Equals(Value, _value, StringComparison.Ordinal))
        {
            // The page rendered with the value it had: what the box shows stays.
            return;
        }
        _seen = true;
        _value = Value;
        if (_pause is null)
        {
            _text = Value;
        }
    }

    private Task OnTyped(string? text)
    {
        _text = text;
        var key = ++_keys;
        if (string.IsNullOrEmpty(text))
        {
            return ReportAsync(key);
        }
        _pause ??= Time.CreateTimer(_ => PauseEnded(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _pause.Change(TimeSpan.FromMilliseconds(PauseMs), Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    /// <summary>Enter: what was typed is asked for now (a run id pasted, then Enter), not after the pause.</summary>
    private Task OnKeyDown(KeyboardEventArgs key) => key.Key == "Enter" && _pause is not null ? ReportAsync(_keys) : Task.CompletedTask;

    /// <summary>On the timer's thread: the report is queued on the circuit, for the key typed last when the pause ended.</summary>
    private void PauseEnded()
    {
        if (_disposed)
        {
            return;
        }
        var key = Volatile.Read(ref _keys);
        _ = InvokeAsync(async () =>
        {
            try
            {
                await ReportAsync(key);
            }
            catch (Exception ex)
            {
                // As an event handler's would: the circuit's error handling sees it.
                await DispatchExceptionAsync(ex);
            }
        });
    }

    /// <summary>On the circuit: ends the pause and reports the text in one piece of work, unless a later key restarted it.</summary>
    private async Task ReportAsync(int key)
    {
        if (key != _keys || _disposed)
        {
            return;
        }
        _pause?.Dispose();
        _pause = null;
        await ValueChanged.InvokeAsync(_text);
    }

    public void Dispose()
    {
        _disposed = true;
        _pause?.Dispose();
    }
}
