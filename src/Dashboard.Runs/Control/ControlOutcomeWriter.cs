using System.Data.Common;
using Dashboard.Runs.Storage;
using static Dashboard.Runs.Storage.StatementCache;

namespace Dashboard.Runs.Control;

/// <summary>Marks the requests a batch reports as acted on, in the batch's transaction; the first report counts.</summary>
internal static class ControlOutcomeWriter
{
    // The request must be for the run the outcome names (a run's own cancel or resume; the rerun's original), so an
    // engine's report cannot settle another run's request. A rerun's new run is the batch's run.
    private const string Sql = """
        UPDATE control_requests SET outcome = @outcome, outcome_run_id = @new_run, outcome_at = @at
        WHERE request_id = @id AND run_id = @run AND outcome IS NULL
        """;

    public static void Write(StatementCache statements, DbTransaction transaction, string batchRunId, IReadOnlyList<ControlOutcome> outcomes)
    {
        if (outcomes.Count == 0)
        {
            return;
        }
        var update = statements.For(transaction, Sql);
        foreach (var outcome in outcomes)
        {
            Set(update, "outcome", outcome.Outcome);
            Set(update, "new_run", outcome.Outcome == ControlOutcome.Rerun ? batchRunId : null);
            Set(update, "at", outcome.At);
            Set(update, "id", outcome.RequestId);
            Set(update, "run", outcome.RunId);
            statements.Execute(update);
        }
    }
}
