using Dashboard.Model.Events;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;

namespace Dashboard.Model;

/// <summary>
/// A child run unfolded in its parent's timeline: its record and attempts, moved on by its own live events through the
/// reducer (as the parent's are) while it runs. A big child shows its first attempts only, and is not followed: its
/// own page is the place for all of them.
/// </summary>
public sealed class ChildTimeline
{
    private readonly RunState _state;

    public ChildTimeline(RunSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        _state = RunState.FromSnapshot(snapshot.Record, snapshot.Attempts, snapshot.Offset);
        IsPartial = !snapshot.IsComplete;
        AttemptCount = snapshot.AttemptCount ?? snapshot.Attempts.Count;
        Project();
    }

    public RunRecord Record { get; private set; } = null!;

    public IReadOnlyList<StepTrace> Attempts { get; private set; } = [];

    /// <summary>Only the first attempts are here; <see cref="AttemptCount"/> says how many the child has.</summary>
    public bool IsPartial { get; }

    public int AttemptCount { get; private set; }

    /// <summary>The stream offset the state reflects: live events are followed from here.</summary>
    public string? Offset => _state.Offset;

    /// <summary>Whether live events can move it on: a whole child that has not ended.</summary>
    public bool CanFollow => !IsPartial && !Record.Status.IsTerminal();

    /// <summary>Live events of the child, each once and in stream order (duplicates by offset are dropped by the reducer).</summary>
    public void Apply(IReadOnlyList<RunEvent> events)
    {
        if (IsPartial)
        {
            return;
        }
        foreach (var e in events)
        {
            RunReducer.Apply(_state, e);
        }
        Project();
    }

    private void Project()
    {
        Record = _state.Record!;
        if (!IsPartial)
        {
            Attempts = _state.Steps.SelectMany(s => s.Attempts).ToList();
            AttemptCount = Attempts.Count;
        }
        else if (Attempts.Count == 0)
        {
            Attempts = _state.Steps.SelectMany(s => s.Attempts).ToList();
        }
    }
}
