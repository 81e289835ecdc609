using Dashboard.Model.Events;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;

namespace Dashboard.Runs.Ingestion;

/// <summary>
/// Refuses a new run's <c>triggerType</c> that is not a <see cref="Labels">label</see>. It is a key of the fleet's trigger
/// filter (<c>insight_triggers</c>): on PostgreSQL a value over about 2.7 KB does not fit that key's index, and the
/// insights pass that held it failed, and every pass after it, so the fleet view stopped counting for every workflow.
/// Checked where events come in, not by the reducer, which also replays what is stored.
/// </summary>
internal static class TriggerTypeCheck
{
    public static EventRejection? FirstProblem(IReadOnlyList<RunEvent> events) => events
        .Select((e, i) => e is RunStarted started && Labels.Problem(started.TriggerType) is { } problem ? new EventRejection(i, started.Type, "triggerType", problem) : null)
        .FirstOrDefault(rejection => rejection is not null);
}
