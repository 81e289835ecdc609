namespace Dashboard.Model.Reducing;

/// <summary>A step a batch changed, and its history before the batch (null: the step is new, or its history was not kept whole).</summary>
public sealed record StepChange(StepKey Key, StepHistory? Before)
{
    /// <summary>
    /// Whether attempt <paramref name="index"/> of <paramref name="now"/> must be written again: it is new or was replaced,
    /// or it was the latest and no longer is (the latest attempt alone carries the step's attempt count). Attempts are only
    /// ever appended to a step, so an unchanged one sits at the same index.
    /// </summary>
    public bool Rewrites(StepHistory now, int index)
    {
        if (Before is not { } before || index >= before.Attempts.Count || !ReferenceEquals(before.Attempts[index], now.Attempts[index]))
        {
            return true;
        }
        return index == before.Attempts.Count - 1 && now.Attempts.Count != before.Attempts.Count;
    }
}
