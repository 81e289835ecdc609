using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using Dashboard.Model.Search;
using Dashboard.Runs.Projections;
using System.Text;
using System.Text.Json;

namespace Dashboard.Runs.Search;

/// <summary>
/// What a batch changes in the search index: the documents of every attempt of each step it touched (replacing that
/// step's earlier ones), the run's own documents when its status moved (start: input; end: result or error), and its
/// new log lines. Made before the write transaction, like the projection rows.
/// </summary>
internal sealed record SearchRows(string RunId, string WorkflowId, long StartedAt, IReadOnlyList<SearchDocument> Documents,
    IReadOnlyList<(string StepId, long LoopKey)> ReplacedSteps, bool ReplacesRunDocuments)
{
    /// <summary>
    /// The text of one payload that is indexed: the first 64 K characters. A value past that in a bigger payload is not
    /// found; the index stays a bounded multiple of the runs' size however large their payloads are.
    /// </summary>
    public const int MaxBodyLength = 64 * 1024;

    public static SearchRows Of(RunRecord? before, RunState state, IReadOnlyCollection<StepKey> changedSteps, IReadOnlyList<LogRow> logs)
    {
        var record = state.Record!;
        var documents = new List<SearchDocument>();
        var replaced = new List<(string, long)>(changedSteps.Count);
        foreach (var key in changedSteps)
        {
            var loopKey = RunProjectionSchema.LoopKey(key.LoopIndex);
            replaced.Add((key.StepId, loopKey));
            if (state.GetStep(key) is not { } history)
            {
                continue;
            }
            foreach (var attempt in history.Attempts)
            {
                Add(documents, key.StepId, loopKey, attempt.Attempt, SearchFields.Input, Json(attempt.InputContext));
                Add(documents, key.StepId, loopKey, attempt.Attempt, SearchFields.Output, Json(attempt.OutputContext));
                Add(documents, key.StepId, loopKey, attempt.Attempt, SearchFields.MappedOutput, Json(attempt.MappedOutput));
                Add(documents, key.StepId, loopKey, attempt.Attempt, SearchFields.Error, Error(attempt.ErrorContext));
            }
        }
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
        return new SearchRows(record.Id, record.WorkflowId, record.StartedAt!.Value.ToUnixTimeMilliseconds(), documents, replaced, replacesRun);
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
