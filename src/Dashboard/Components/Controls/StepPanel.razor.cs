using System.Text.Json;
using Dashboard.Client;
using Dashboard.Model;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Components.Controls;

/// <summary>
/// One step (one loop iteration): its attempts, each attempt's input, output, mapped output and error, and two attempts
/// compared. Everything chosen here is reported up, so it lives in the page's URL.
/// </summary>
public sealed partial class StepPanel : IDisposable
{
    private static readonly string[] TabKeys = ["input", "output", "mapped", "error", "logs"];
    // A 404 here is about the step (or its run, gone meanwhile): the service's message says which.
    private readonly ListLoadView<IReadOnlyList<StepAttempt>> _view = new(attempts => attempts.Count == 0, missing => ("Not in this run", missing.Message));
    private IReadOnlyList<StepAttempt> _attempts = [];
    private HashSet<int> _compareSet = [];
    private string? _compareParameter;
    private StepKey? _loadedKey;

    [Parameter, EditorRequired]
    public required string RunId { get; set; }

    [Parameter, EditorRequired]
    public required StepKey Key { get; set; }

    /// <summary>The attempt to show; null: the latest.</summary>
    [Parameter]
    public int? Attempt { get; set; }

    /// <summary>input, output, mapped or error.</summary>
    [Parameter]
    public string? Tab { get; set; }

    /// <summary>The child runs this step started (they name it as <c>parentStepId</c>): linked, their cost counted with the step's.</summary>
    [Parameter]
    public IReadOnlyList<Dashboard.Model.Runs.RunRecord> ChildRuns { get; set; } = [];

    private decimal? ChildCost => ChildRuns.Aggregate((decimal?)null, (sum, child) => child.CostUsd is { } cost ? (sum ?? 0) + cost : sum);

    /// <summary>Text the payload viewers and the logs open searching for (a search hit's word).</summary>
    [Parameter]
    public string? Find { get; set; }

    /// <summary>Two attempt numbers to compare ("1,2"), or null.</summary>
    [Parameter]
    public string? Compare { get; set; }

    /// <summary>Changes when the run's stream moves, so that a live step is reloaded.</summary>
    [Parameter]
    public string? Version { get; set; }

    [Parameter]
    public IReadOnlyList<TimelineRow> Iterations { get; set; } = [];

    [Parameter]
    public EventCallback<int?> OnAttemptChanged { get; set; }

    [Parameter]
    public EventCallback<string> OnTabChanged { get; set; }

    [Parameter]
    public EventCallback<string?> OnCompareChanged { get; set; }

    [Parameter]
    public EventCallback<int> OnIterationSelected { get; set; }

    /// <summary>Raised when the step's attempts have been read (or failed to be).</summary>
    [Parameter]
    public EventCallback OnLoaded { get; set; }

    [Inject]
    public required IRunsClient Client { get; init; }

    [Inject]
    public required TimeDisplay Time { get; init; }

    private string? _loadedVersion;

    private StepAttempt? CurrentAttempt => Attempt is { } n ? _attempts.FirstOrDefault(a => a.Attempt == n) ?? _attempts.LastOrDefault() : _attempts.LastOrDefault();

    private StepTrace? Current => CurrentAttempt?.Trace;

    private int TabIndex => Math.Max(0, Array.IndexOf(TabKeys, Tab ?? DefaultTab));

    /// <summary>A failed step opens on its error; others on their output.</summary>
    private string DefaultTab => Current?.Status == StepStatus.Failed ? "error" : CurrentAttempt?.Output is not null ? "output" : "input";

    private (StepAttempt Left, StepAttempt Right)? CompareAttempts
    {
        get
        {
            var numbers = _compareSet.Order().ToList();
            if (numbers.Count != 2)
            {
                return null;
            }
            var left = _attempts.FirstOrDefault(a => a.Attempt == numbers[0]);
            var right = _attempts.FirstOrDefault(a => a.Attempt == numbers[1]);
            return left is null || right is null ? null : (left, right);
        }
    }

    private sealed record TabModel(string Key, string Label, JsonPayload? Value, long? Size, bool Truncated);

    private IEnumerable<TabModel> Tabs
    {
        get
        {
            var attempt = CurrentAttempt!;
            var step = attempt.Trace;
            yield return new TabModel("input", "Input", attempt.Input, step.InputSizeBytes, IsCut(step, "input"));
            yield return new TabModel("output", "Output", attempt.Output, step.OutputSizeBytes, IsCut(step, "output"));
            yield return new TabModel("mapped", "Mapped output", attempt.MappedOutput, step.MappedOutputSizeBytes, IsCut(step, "mappedOutput"));
            yield return new TabModel("error", "Error", null, null, IsCut(step, "error.data"));
            yield return new TabModel("logs", "Logs", null, null, false);
        }
    }

    protected override async Task OnParametersSetAsync()
    {
        // Only a new value from the URL replaces the set: a render of the page that still carries the old value (the
        // URL of a tick not yet back) would otherwise undo that tick.
        if (Compare != _compareParameter)
        {
            _compareParameter = Compare;
            _compareSet = (Compare ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => int.TryParse(p, out var n) ? n : 0).Where(n => n > 0).Take(2).ToHashSet();
        }
        if (_loadedKey == Key && _loadedVersion == Version)
        {
            return;
        }
        _loadedKey = Key;
        _loadedVersion = Version;
        await _view.LoadAsync(async token => StepAttempt.Of((await Client.Run(RunId).StepTraceAsync(Key.StepId, Dashboard.Client.Attempt.All, Key.LoopIndex, cancellationToken: token)).Attempts));
        _attempts = _view.Page ?? [];
        await OnLoaded.InvokeAsync();
    }

    private Task OnTabIndexChanged(int index) => OnTabChanged.InvokeAsync(TabKeys[Math.Clamp(index, 0, TabKeys.Length - 1)]);

    private Task ToggleCompareAsync(int attempt, bool on)
    {
        var set = _compareSet.ToHashSet();
        if (on)
        {
            if (set.Count == 2)
            {
                set.Remove(set.Min());
            }
            set.Add(attempt);
        }
        else
        {
            set.Remove(attempt);
        }
        // Kept at once, not only when the URL comes back: a second tick right after the first builds on it (it was lost).
        _compareSet = set;
        return OnCompareChanged.InvokeAsync(set.Count == 0 ? null : string.Join(',', set.Order()));
    }

    private bool ErrorDataCut => Current is { } step && IsCut(step, "error.data");

    private static bool IsCut(StepTrace step, string field) => step.TruncatedFields?.ContainsKey(field) ?? false;

    private static string SafeName(string stepId) => new(stepId.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_').Take(60).ToArray());

    public void Dispose() => _view.Dispose();
}
