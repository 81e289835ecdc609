using Dashboard.Model.Events;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using Dashboard.Model.Search;
using Dashboard.Runs.Projections;
using System.Text;
using System.Text.Json;

namespace Dashboard.Runs.Search;

/// <summary>
/// What a batch changes in the search index: the payloads its events set, the run's own documents when its status
/// moved (start: input; end: result or error), and its new log lines. Made before the write transaction, like the
/// projection rows.
/// </summary>
internal sealed record SearchRows(string RunId, string WorkflowId, long StartedAt, IReadOnlyList<SearchDocument> Documents,
    IReadOnlyList<(string StepId, long LoopKey)> RemovedSteps, bool ReplacesRunDocuments)
{
    /// <summary>
    /// The text of one payload that is indexed: the first 64 K characters. A value past that in a bigger payload is not
    /// found; the index stays a bounded multiple of the runs' size however large their payloads are.
    /// </summary>
    public const int MaxBodyLength = 64 * 1024;

    /// <summary>
    /// Only what the batch's events set is indexed: a step attempt's input when it starts, its outputs or error when it
    /// ends (the reducer refuses a second start or end of an attempt, so each is written once and never replaced). A
    /// step the batch removed loses its documents.
    /// </summary>
    public static SearchRows Of(RunRecord? before, RunState state, IReadOnlyCollection<StepKey> changedSteps, IReadOnlyList<RunEvent> applied, IReadOnlyList<LogRow> logs)
    {
        var record = state.Record!;
        var documents = new List<SearchDocument>();
        foreach (var e in applied)
        {
            if (e is not StepEvent { StepId: { } stepId } step || state.GetStep(new StepKey(stepId, step.LoopIndex)) is not { } history)
            {
                continue;
            }
            var number = e switch
            {
                StepStarted started => started.Attempt ?? 1,
                StepEndEvent ended => ended.Attempt ?? history.Latest.Attempt,
                _ => 0,
            };
            if (history.Find(number) is not { } attempt)
            {
                continue;
            }
            var loopKey = RunProjectionSchema.LoopKey(step.LoopIndex);
            switch (e)
            {
                case StepStarted:
                    Add(documents, stepId, loopKey, number, SearchFields.Input, Json(attempt.InputContext));
                    break;
                case StepCompleted:
                    Add(documents, stepId, loopKey, number, SearchFields.Output, Json(attempt.OutputContext));
                    Add(documents, stepId, loopKey, number, SearchFields.MappedOutput, Json(attempt.MappedOutput));
                    break;
                case StepFailed:
                    Add(documents, stepId, loopKey, number, SearchFields.Error, Error(attempt.ErrorContext));
                    break;
            }
        }
        var removed = changedSteps.Where(key => state.GetStep(key) is null).Select(key => (key.StepId, RunProjectionSchema.LoopKey(key.LoopIndex))).ToList();
        // The run's own payloads change with its status (input at the start, a result or an error at the end): rewritten
        // then, not with every batch.
        var replacesRun = before is null || before.Status != record.Status;
        if (replacesRun)
        {
            Add(documents, null, RunProjectionSchema.LoopKey(null), null, SearchFields.RunInput, Json(record.Input));
            Add(documents, null, RunProjectionSchema.LoopKey(null), null, SearchFields.Result, Json(record.Result));
            Add(documents, null, RunProjectionSchema.LoopKey(null), null, SearchFields.Error, Error(record.Error));
        }
        foreach (var log in logs)
        {
            if (!string.IsNullOrWhiteSpace(log.Message))
            {
                documents.Add(new SearchDocument(log.StepId, log.LoopKey, log.Attempt, SearchFields.Log, log.Seq, Cap(log.Message)));
            }
        }
        return new SearchRows(record.Id, record.WorkflowId, record.StartedAt!.Value.ToUnixTimeMilliseconds(), documents, removed, replacesRun);
    }

    /// <summary>Every document of a stored run (the start-up backfill of runs stored before the index).</summary>
    public static SearchRows OfStoredRun(RunState state, IReadOnlyList<LogRow> logs)
    {
        var record = state.Record!;
        var documents = new List<SearchDocument>();
        foreach (var history in state.Steps)
        {
            var loopKey = RunProjectionSchema.LoopKey(history.Key.LoopIndex);
            foreach (var attempt in history.Attempts)
            {
                Add(documents, history.Key.StepId, loopKey, attempt.Attempt, SearchFields.Input, Json(attempt.InputContext));
                Add(documents, history.Key.StepId, loopKey, attempt.Attempt, SearchFields.Output, Json(attempt.OutputContext));
                Add(documents, history.Key.StepId, loopKey, attempt.Attempt, SearchFields.MappedOutput, Json(attempt.MappedOutput));
                Add(documents, history.Key.StepId, loopKey, attempt.Attempt, SearchFields.Error, Error(attempt.ErrorContext));
            }
        }
        var run = Of(null, state, [], [], logs);
        return run with { Documents = [.. documents, .. run.Documents] };
    }

    private static void Add(List<SearchDocument> documents, string? stepId, long loopKey, int? attempt, string field, string? body)
    {
        if (!string.IsNullOrWhiteSpace(body))
        {
            documents.Add(new SearchDocument(stepId, loopKey, attempt, field, null, body));
        }
    }

    // The JSON as sent (keys and values): a snippet then shows which key a value was under.
    private static string? Json(JsonElement? value) => value is { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } element
        ? Cap(element.GetRawText())
        : null;

    private static string? Error(ErrorInfo? error)
    {
        if (error is null)
        {
            return null;
        }
        var text = new StringBuilder(error.Message);
        foreach (var part in new[] { error.Code, error.Type, Json(error.Data), error.Stack })
        {
            if (!string.IsNullOrEmpty(part))
            {
                text.Append('\n').Append(part);
            }
            if (text.Length >= MaxBodyLength)
            {
                break;
            }
        }
        return Cap(text.ToString());
    }

    private static string Cap(string text) => text.Length <= MaxBodyLength ? text : text[..MaxBodyLength];
}
