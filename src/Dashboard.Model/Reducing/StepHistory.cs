using Dashboard.Model.Runs;

namespace Dashboard.Model.Reducing;

/// <summary>Every attempt of one (step, loop iteration), oldest first. Immutable: the reducer replaces it.</summary>
public sealed record StepHistory(StepKey Key, IReadOnlyList<StepTrace> Attempts)
{
    public StepTrace Latest => Attempts[^1];

    public StepTrace? Find(int attempt)
    {
        // Attempts are few per step; a linear scan beats a dictionary here.
        for (var i = Attempts.Count - 1; i >= 0; i--)
        {
            if (Attempts[i].Attempt == attempt)
            {
                return Attempts[i];
            }
        }
        return null;
    }

    internal StepHistory Replace(StepTrace previous, StepTrace next)
    {
        var copy = new StepTrace[Attempts.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = ReferenceEquals(Attempts[i], previous) ? next : Attempts[i];
        }
        return this with { Attempts = copy };
    }

    internal StepHistory Append(StepTrace next)
    {
        var copy = new StepTrace[Attempts.Count + 1];
        for (var i = 0; i < Attempts.Count; i++)
        {
            copy[i] = Attempts[i];
        }
        copy[^1] = next;
        return this with { Attempts = copy };
    }
}
