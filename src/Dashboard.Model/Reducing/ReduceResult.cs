namespace Dashboard.Model.Reducing;

public enum ReduceOutcome
{
    /// <summary>The event changed the run's state.</summary>
    Applied,

    /// <summary>Already applied (same event id, or an offset at or before the state's): ignored, harmlessly.</summary>
    Duplicate,

    /// <summary>The event breaks a rule of the contract; nothing was changed.</summary>
    Rejected,
}

/// <summary>Why an event was refused: which event (its index in the batch), which field, and what rule.</summary>
public sealed record EventRejection(int Index, string? EventType, string Field, string Message)
{
    public override string ToString() =>
        $"event {Index}{(EventType is null ? "" : $" ({EventType})")}: {Field}: {Message}";
}

public sealed record ReduceResult(ReduceOutcome Outcome, EventRejection? Rejection = null)
{
    public static readonly ReduceResult Applied = new(ReduceOutcome.Applied);
    public static readonly ReduceResult Duplicate = new(ReduceOutcome.Duplicate);
}

/// <summary>The result of a batch: applied whole (with each event's outcome), or rejected whole.</summary>
public sealed record BatchResult(bool Accepted, IReadOnlyList<ReduceOutcome> Outcomes, EventRejection? Rejection)
{
    public int AppliedCount => Outcomes.Count(o => o == ReduceOutcome.Applied);
}
