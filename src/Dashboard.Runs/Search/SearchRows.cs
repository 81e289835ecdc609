using Dashboard.Model.Events;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using Dashboard.Model.Search;
using Dashboard.Runs.Projections;
using System.Text;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Dashboard.Runs.Search;

/// <summary>
/// What a batch of a run's events adds to the search index: the payloads they carry and their log lines. Made by the
/// indexer behind ingestion (<see cref="SearchIndexer"/>), from the events as the run's stream keeps them.
/// </summary>
internal sealed record SearchRows(string RunId, string WorkflowId, long StartedAt, IReadOnlyList<SearchDocument> Documents)
{
    /// <summary>
    /// Whether the batch made steps of OTLP spans: lines of the run that waited for one of them may have moved onto
    /// its step since they were indexed (<see cref="Projections.RunProjectionWriter"/>), and their documents follow.
    /// </summary>
    public bool StartsSpanSteps { get; init; }

    /// <summary>
    /// The text of one payload that is indexed: the first 64 K characters. A value past that in a bigger payload is not
    /// found; the index stays a bounded multiple of the runs' size however large their payloads are.
    /// </summary>
    public const int MaxBodyLength = 64 * 1024;

    /// <summary>
    /// The documents of one batch of a run's events, as the feed locates it: a step attempt's input when it starts, its
    /// outputs or error when it ends, the run's input when it starts and its result or error when it ends, its log lines
    /// numbered on from <paramref name="logsBefore"/>. The reducer accepts each of these once, so none replaces another.
    /// <paramref name="latestAttempt"/> names the attempt an end event without one is about.
    /// </summary>
    public static SearchRows OfEvents(string runId, string workflowId, long startedAt, IReadOnlyList<RunEvent> events, int? logsBefore,
        Func<string, int?, int> latestAttempt)
    {
        var documents = new List<SearchDocument>();
        var started = new Dictionary<(string, int?), int>(events.Count / 2);
        using var text = new PayloadText();
        var logs = 0;
        var spanSteps = false;
        var runKey = RunProjectionSchema.LoopKey(null);
        foreach (var e in events)
        {
            switch (e)
            {
                case StepStarted { StepId: { } stepId } step:
                    started[(stepId, step.LoopIndex)] = step.Attempt ?? 1;
                    spanSteps |= Otlp.SpanMapping.SpanIdOf(step) is not null;
                    Add(documents, stepId, RunProjectionSchema.LoopKey(step.LoopIndex), step.Attempt ?? 1, SearchFields.Input, text.Of(step.Input));
                    break;
                case StepCompleted { StepId: { } stepId } completed:
                    var done = completed.Attempt ?? (started.TryGetValue((stepId, completed.LoopIndex), out var a) ? a : latestAttempt(stepId, completed.LoopIndex));
                    Add(documents, stepId, RunProjectionSchema.LoopKey(completed.LoopIndex), done, SearchFields.Output, text.Of(completed.Output));
                    Add(documents, stepId, RunProjectionSchema.LoopKey(completed.LoopIndex), done, SearchFields.MappedOutput, text.Of(completed.MappedOutput));
                    break;
                case StepFailed { StepId: { } stepId } failed:
                    var attempt = failed.Attempt ?? (started.TryGetValue((stepId, failed.LoopIndex), out var f) ? f : latestAttempt(stepId, failed.LoopIndex));
                    Add(documents, stepId, RunProjectionSchema.LoopKey(failed.LoopIndex), attempt, SearchFields.Error, Error(failed.Error, text));
                    break;
                case RunStarted run:
                    Add(documents, null, runKey, null, SearchFields.RunInput, text.Of(run.Input));
                    break;
                case RunCompleted completed:
                    Add(documents, null, runKey, null, SearchFields.Result, text.Of(completed.Result));
                    break;
                case RunFailed failed:
                    Add(documents, null, runKey, null, SearchFields.Error, Error(failed.Error, text));
                    break;
                case RunTimedOut timedOut:
                    Add(documents, null, runKey, null, SearchFields.Error, Error(timedOut.Error, text));
                    break;
                case LogEvent log:
                    logs++;
                    if (!string.IsNullOrWhiteSpace(log.Message))
                    {
                        documents.Add(new SearchDocument(log.StepId, RunProjectionSchema.LoopKey(log.LoopIndex), log.Attempt, SearchFields.Log,
                            logsBefore is { } before ? before + logs : null, Cap(log.Message)));
                    }
                    break;
            }
        }
        return new SearchRows(runId, workflowId, startedAt, documents) { StartsSpanSteps = spanSteps };
    }

    private static void Add(List<SearchDocument> documents, string? stepId, long loopKey, int? attempt, string field, string? body)
    {
        if (!string.IsNullOrWhiteSpace(body))
        {
            documents.Add(new SearchDocument(stepId, loopKey, attempt, field, null, body));
        }
    }

    /// <summary>
    /// A payload's text as indexed: the JSON with its keys (a snippet then shows which key a value was under), as a person
    /// reads it. The stream keeps each payload as the engine wrote it, and an engine may escape characters (\u003C, \u0027,
    /// \u00e9) that would glue words to their neighbours in the index, so a payload with escapes is written out unescaped.
    /// One buffer and writer for a batch's payloads, not one each.
    /// </summary>
    private sealed class PayloadText : IDisposable
    {
        private static readonly JsonWriterOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        private static readonly System.Buffers.SearchValues<byte> Rewritten = System.Buffers.SearchValues.Create("\\\n\r"u8);
        private readonly System.Buffers.ArrayBufferWriter<byte> _buffer = new(1024);
        private readonly Utf8JsonWriter _writer;

        public PayloadText() => _writer = new Utf8JsonWriter(_buffer, Readable);

        public string? Of(JsonElement? value)
        {
            if (value is not { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } element)
            {
                return null;
            }
            // Without a backslash nothing in the text is escaped: it reads as it is, and writing it out again only checked
            // every string of it (most of the indexer's time on payloads of many small values). A line break is never in a
            // string unescaped, so one means the engine laid its payload out: written again, it is compact, and its
            // indentation does not take up the characters that are indexed.
            var raw = JsonMarshal.GetRawUtf8Value(element);
            if (raw.IndexOfAny(Rewritten) >= 0)
            {
                _buffer.ResetWrittenCount();
                _writer.Reset();
                element.WriteTo(_writer);
                _writer.Flush();
                raw = _buffer.WrittenSpan;
            }
            // Only the first MaxBodyLength characters are indexed; no character takes more than 4 bytes.
            return Cap(Encoding.UTF8.GetString(raw.Length <= 4 * MaxBodyLength ? raw : raw[..(4 * MaxBodyLength)]));
        }

        public void Dispose() => _writer.Dispose();
    }

    private static string? Error(ErrorInfo? error, PayloadText payloads)
    {
        if (error is null)
        {
            return null;
        }
        var text = new StringBuilder(error.Message);
        foreach (var part in new[] { error.Code, error.Type, payloads.Of(error.Data), error.Stack })
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
