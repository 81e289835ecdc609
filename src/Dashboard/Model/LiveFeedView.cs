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

    /// <summary>
    /// The rows to show, newest first, filtered: each change's own row, then the batch's earlier changes it lists
    /// (<see cref="RunChange.Earlier"/>), so a step's completion sent with the next step's start is seen too.
    /// At most <see cref="MaxKept"/> rows: a busy fleet's batches of a hundred events list ten changes each, and two thousand
    /// rows re-rendered ten times a second would slow the page that is meant to keep up.
    /// </summary>
    public IEnumerable<LiveFeedRow> Shown() => _changes.SelectMany(LiveFeedRow.Of).Where(Matches).Take(MaxKept);

    /// <summary>
    /// The error a row shows: a failed step's own (its run goes on, with no error of its own yet, or with another), else
    /// on the change's own row the run's.
    /// </summary>
    public static string? ErrorOf(LiveFeedRow row) => row.StepError is { } stepError
        ? row.WillRetry == true ? $"{stepError} (will retry)" : stepError
        : row.IsLatest ? row.Change.ErrorMessage : null;

    /// <summary>
    /// An event's name in the pieces a narrow column may put on lines of their own, each underscore ending its piece
    /// (<c>step_</c>, <c>completed</c>): in an 800 px window the name breaks there rather than being cut short.
    /// </summary>
    public static IEnumerable<string> EventNameParts(string? eventName)
    {
        if (string.IsNullOrEmpty(eventName))
        {
            yield break;
        }
        var start = 0;
        for (var underscore = eventName.IndexOf('_'); underscore >= 0; underscore = eventName.IndexOf('_', start))
        {
            yield return eventName[start..(underscore + 1)];
            start = underscore + 1;
        }
        if (start < eventName.Length)
        {
            yield return eventName[start..];
        }
    }

    /// <summary>A problem: a step that failed (retried or not), in whatever run, or the change that left a run failed or timed out.</summary>
    public static bool IsProblem(LiveFeedRow row) =>
        row.Event == Events.RunEventTypes.StepFailed || (row.IsLatest && row.Change.Status is RunStatus.Failed or RunStatus.Timeout);

    private bool Matches(LiveFeedRow row) =>
        (!ProblemsOnly || IsProblem(row))
        && (string.IsNullOrWhiteSpace(Text)
            || Contains(row.Change.RunId) || Contains(row.Change.WorkflowId) || Contains(row.Change.WorkflowName) || Contains(row.StepId)
            || Contains(row.Event) || Contains(ErrorOf(row)));

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
