using Dashboard.Model.Runs;

namespace Dashboard.Model;

/// <summary>
/// The live feed's rows: run changes newest first, each once (by its feed offset, so the catch-up read on open and the
/// live changes that arrive meanwhile merge without a repeat or a reorder), at most <see cref="MaxKept"/>, held back
/// while paused, and filtered for display.
/// </summary>
public sealed class LiveFeedView
{
    public const int MaxKept = 200;

    private readonly List<RunChange> _changes = [];
    private readonly List<RunChange> _waiting = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    public bool Paused { get; private set; }

    public bool ProblemsOnly { get; set; }

    public string? Text { get; set; }

    public int WaitingCount => _waiting.Count;

    public int Count => _changes.Count;

    public void Add(IEnumerable<RunChange> changes)
    {
        foreach (var change in changes)
        {
            if (change.FeedOffset is { } offset && !_seen.Add(offset))
            {
                continue;
            }
            Insert(Paused ? _waiting : _changes, change);
        }
    }

    public void TogglePause()
    {
        Paused = !Paused;
        if (!Paused)
        {
            foreach (var change in _waiting)
            {
                Insert(_changes, change);
            }
            _waiting.Clear();
        }
    }

    /// <summary>The rows to show: newest first, filtered.</summary>
    public IEnumerable<RunChange> Shown() => _changes.Where(Matches);

    /// <summary>
    /// The error a row shows: a failed step's own, where the change is one (its run goes on, with no error of its own
    /// yet, or with another), else the run's.
    /// </summary>
    public static string? ErrorOf(RunChange change) => change.StepError is { } stepError
        ? change.WillRetry == true ? $"{stepError} (will retry)" : stepError
        : change.ErrorMessage;

    /// <summary>A problem: a run that failed or timed out, or a step that failed (retried or not), in whatever run.</summary>
    public static bool IsProblem(RunChange change) =>
        change.Status is RunStatus.Failed or RunStatus.Timeout || change.Event == Events.RunEventTypes.StepFailed;

    private bool Matches(RunChange change) =>
        (!ProblemsOnly || IsProblem(change))
        && (string.IsNullOrWhiteSpace(Text)
            || Contains(change.RunId) || Contains(change.WorkflowId) || Contains(change.WorkflowName) || Contains(change.StepId)
            || Contains(change.Event) || Contains(ErrorOf(change)));

    private bool Contains(string? value) => value?.Contains(Text!.Trim(), StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>Newest first by feed offset (fixed-width, so ordinal order is stream order); the oldest fall off the end.</summary>
    private static void Insert(List<RunChange> list, RunChange change)
    {
        var index = 0;
        while (index < list.Count && new EventOffset(list[index].FeedOffset ?? "") > new EventOffset(change.FeedOffset ?? ""))
        {
            index++;
        }
        list.Insert(index, change);
        if (list.Count > MaxKept)
        {
            list.RemoveRange(MaxKept, list.Count - MaxKept);
        }
    }
}
