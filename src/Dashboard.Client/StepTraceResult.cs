using Dashboard.Model.Runs;

namespace Dashboard.Client;

/// <summary>
/// The answer of <see cref="RunProxy.StepTraceAsync"/>: the attempts asked for (one for latest or N, every one for all),
/// oldest first.
/// </summary>
public sealed record StepTraceResult(string StepId, int? LoopIndex, IReadOnlyList<StepTrace> Attempts)
{
    /// <summary>The most recent attempt among those returned.</summary>
    public StepTrace Latest => Attempts[^1];
}
