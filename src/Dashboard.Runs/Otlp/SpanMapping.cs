using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Model.Events;
using Dashboard.Model.Runs;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// One trace's spans of an export as run events: the root span is the run (its start, and its end when it has ended),
/// the other spans its steps in the order they started, each started and then completed or failed at the span's times.
/// Pure: what the run already holds comes in (<see cref="RunContext"/>), the events go out, and the runs service
/// ingests them like any engine's. Event ids are the span's, so a resent export is stored once.
/// </summary>
internal static class SpanMapping
{
    /// <summary>What the run has already: whether it started, and each step's (step id, loop index) highest attempt.</summary>
    public sealed record RunContext(bool Started, IReadOnlyDictionary<(string StepId, long LoopKey), int> Attempts);

    internal static readonly string[] InputKeys = ["input.value", "gen_ai.input.messages", "gen_ai.prompt", "input"];
    internal static readonly string[] OutputKeys = ["output.value", "gen_ai.output.messages", "gen_ai.completion", "output"];

    public static string RunIdOf(IReadOnlyList<OtlpSpan> spans) =>
        spans.Select(s => s.Text("run.id")).FirstOrDefault(id => !string.IsNullOrWhiteSpace(id))
        ?? spans.Select(s => s.Resource.TryGetValue("run.id", out var v) ? v?.GetValue<string>() : null).FirstOrDefault(id => !string.IsNullOrWhiteSpace(id))
        ?? spans[0].TraceId;

    public static List<RunEvent> Map(IReadOnlyList<OtlpSpan> spans, RunContext context, IReadOnlyDictionary<string, ModelPrice> prices)
    {
        var root = spans.FirstOrDefault(s => s.IsRoot);
        var events = new List<RunEvent>();
        if (!context.Started)
        {
            events.Add(Started(spans, root));
        }
        var attempts = new Dictionary<(string, long), int>(context.Attempts);
        // In the order they started (to the nanosecond; a step's attempts in their order when they started at once).
        var steps = spans.Where(s => !s.IsRoot).OrderBy(s => s.StartNanos).ThenBy(s => s.Whole("step.attempt") ?? 0).ThenBy(s => s.SpanId, StringComparer.Ordinal).ToList();
        // Spans of one name without an attempt or loop index of their own: loop iterations when they repeat here,
        // numbered on from the iterations the run already has of that step.
        var iterationOf = new Dictionary<OtlpSpan, int>(ReferenceEqualityComparer.Instance);
        foreach (var group in steps.Where(s => s.Whole("step.attempt") is null && s.Whole("step.loop_index") is null).GroupBy(StepIdOf).Where(g => g.Count() > 1))
        {
            var next = context.Attempts.Keys.Where(k => k.StepId == group.Key && k.LoopKey >= 0).Select(k => (int)k.LoopKey + 1).DefaultIfEmpty(0).Max();
            foreach (var span in group)
            {
                iterationOf[span] = next++;
            }
        }
        // The highest attempt each step's spans give themselves: an attempt below it was retried.
        var highestGiven = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var span in steps)
        {
            if (span.Whole("step.attempt") is { } given)
            {
                highestGiven[StepIdOf(span)] = Math.Max(highestGiven.GetValueOrDefault(StepIdOf(span)), given);
            }
        }
        foreach (var span in steps)
        {
            var stepId = StepIdOf(span);
            int? loop = span.Whole("step.loop_index") is { } index ? (int)index
                : iterationOf.TryGetValue(span, out var iteration) ? iteration : null;
            var key = (stepId, (long)(loop ?? -1));
            var attempt = span.Whole("step.attempt") is { } given ? (int)given : attempts.GetValueOrDefault(key) + 1;
            attempts[key] = Math.Max(attempts.GetValueOrDefault(key), attempt);
            var retried = highestGiven.GetValueOrDefault(stepId) > attempt;
            // Each step whole, one after the other: steps that ran side by side are still each started before they end,
            // and a step's attempts follow one another, which is all the run's rules ask.
            events.AddRange(Step(span, stepId, attempt, loop, retried, prices));
        }
        if (root is not null)
        {
            events.AddRange(Logs(root, null, null, null));
            events.Add(Ended(root));
        }
        return events;
    }

    /// <summary>The span a step's start was made from (its event id names it), or null for a start not made from a span.</summary>
    public static string? SpanIdOf(StepStarted started) =>
        started.EventId is { } id && id.StartsWith("otel:", StringComparison.Ordinal) && id.EndsWith(":start", StringComparison.Ordinal)
            ? id["otel:".Length..^":start".Length]
            : null;

    /// <summary>The step a span is: its <c>step.id</c> as given, else its name made fit for an id (<see cref="SpanNames"/>).</summary>
    private static string StepIdOf(OtlpSpan span) => span.Text("step.id") is { Length: > 0 } id ? id : SpanNames.AsId(span.Name);

    private static RunStarted Started(IReadOnlyList<OtlpSpan> spans, OtlpSpan? root)
    {
        var first = root ?? spans.MinBy(s => s.Start)!;
        var workflow = spans.Select(s => s.Text("workflow.id")).FirstOrDefault(w => !string.IsNullOrWhiteSpace(w))
            ?? (first.Resource.TryGetValue("workflow.id", out var w) ? w?.GetValue<string>() : null)
            ?? (root is null ? null : SpanNames.AsId(root.Name))
            ?? (first.Resource.TryGetValue("service.name", out var service) ? service?.GetValue<string>() : null)
            ?? "otlp";
        var metadata = new JsonObject { ["otel.traceId"] = first.TraceId };
        if (first.Resource.TryGetValue("service.name", out var serviceName) && serviceName is not null)
        {
            metadata["service.name"] = serviceName.DeepClone();
        }
        return new RunStarted
        {
            EventId = "otel:" + first.TraceId + ":start",
            Timestamp = spans.Min(s => s.Start),
            WorkflowId = workflow,
            WorkflowName = root is null ? null : SpanNames.AsName(root.Name),
            TriggerType = "otlp",
            // The root's id; before the root itself arrives (it ends, and is exported, last), the parent its first
            // children name.
            TelemetrySpanId = root?.SpanId ?? spans.Where(s => s.ParentSpanId is not null && spans.All(other => other.SpanId != s.ParentSpanId))
                .MinBy(s => s.StartNanos)?.ParentSpanId,
            Input = root is null ? null : Payload(root, InputKeys),
            Metadata = JsonSerializer.SerializeToElement(metadata),
        };
    }

    private static IEnumerable<RunEvent> Step(OtlpSpan span, string stepId, int attempt, int? loop, bool retried, IReadOnlyDictionary<string, ModelPrice> prices)
    {
        yield return new StepStarted
        {
            EventId = $"otel:{span.SpanId}:start",
            Timestamp = span.Start,
            StepId = stepId,
            StepName = SpanNames.AsName(span.Name),
            Operation = span.Text("gen_ai.operation.name"),
            Attempt = attempt,
            LoopIndex = loop,
            Input = Payload(span, InputKeys),
        };
        foreach (var log in Logs(span, stepId, attempt, loop))
        {
            yield return log;
        }
        var model = span.Text("gen_ai.response.model") ?? span.Text("gen_ai.request.model");
        // A name the runs API would refuse would fail the whole export with it: the span keeps its step, without a model.
        model = ModelNames.Problem(model) is null ? model : null;
        // So would counts or a cost past what the fleet's sums hold (UsageCheck): the span keeps its step, without them.
        var tokens = Tokens(span) is var counted && Ingestion.UsageCheck.Fits(counted) ? counted : null;
        var cost = span.Decimal("gen_ai.usage.cost") ?? span.Decimal("cost_usd")
            ?? (model is not null && tokens is not null && prices.TryGetValue(model, out var price) ? price.Cost(tokens.Prompt, tokens.Cached, tokens.Completion) : null);
        cost = Ingestion.UsageCheck.Fits(cost) ? cost : null;
        if (span.IsError)
        {
            yield return new StepFailed
            {
                EventId = $"otel:{span.SpanId}:end",
                Timestamp = span.End,
                StepId = stepId,
                Attempt = attempt,
                LoopIndex = loop,
                WillRetry = retried,
                Error = ErrorOf(span),
                ModelUsed = model,
                Tokens = tokens,
                CostUsd = cost,
            };
            yield break;
        }
        yield return new StepCompleted
        {
            EventId = $"otel:{span.SpanId}:end",
            Timestamp = span.End,
            StepId = stepId,
            Attempt = attempt,
            LoopIndex = loop,
            Output = Payload(span, OutputKeys),
            ModelUsed = model,
            Tokens = tokens,
            CostUsd = cost,
        };
    }

    private static TerminalRunEvent Ended(OtlpSpan root) => root.IsError
        ? new RunFailed { EventId = $"otel:{root.SpanId}:end", Timestamp = root.End, Error = ErrorOf(root) }
        : new RunCompleted { EventId = $"otel:{root.SpanId}:end", Timestamp = root.End, Result = Payload(root, OutputKeys) };

    // Span events are log lines of the step (the run's, for the root), except exceptions: they are the error.
    private static IEnumerable<LogEvent> Logs(OtlpSpan span, string? stepId, int? attempt, int? loop) =>
        span.Events.Where(e => e.Name != "exception").Select((e, i) => new LogEvent
        {
            EventId = $"otel:{span.SpanId}:event:{i}",
            Timestamp = e.At,
            Level = e.Name.Contains("error", StringComparison.OrdinalIgnoreCase) ? "error" : "info",
            Message = e.Name,
            StepId = stepId,
            Attempt = attempt,
            LoopIndex = loop,
            Extra = e.Attributes.Count == 0 ? null : e.Attributes.ToDictionary(a => a.Key, a => JsonSerializer.SerializeToElement(a.Value)),
        });

    private static ErrorInfo ErrorOf(OtlpSpan span)
    {
        var exception = span.Events.FirstOrDefault(e => e.Name == "exception");
        string? Text(string key) => exception?.Attributes.TryGetValue(key, out var v) == true && v is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
        return new ErrorInfo
        {
            Type = Text("exception.type"),
            Message = Text("exception.message") ?? span.StatusMessage ?? "The span ended with an error status.",
            Stack = Text("exception.stacktrace"),
            Code = span.Text("error.type"),
        };
    }

    private static TokenBreakdown? Tokens(OtlpSpan span)
    {
        var input = span.Whole("gen_ai.usage.input_tokens") ?? span.Whole("gen_ai.usage.prompt_tokens");
        var output = span.Whole("gen_ai.usage.output_tokens") ?? span.Whole("gen_ai.usage.completion_tokens");
        if (input is null && output is null)
        {
            return null;
        }
        var cached = span.Whole("gen_ai.usage.cache_read.input_tokens") ?? span.Whole("gen_ai.usage.cache_read_input_tokens") ?? 0;
        return new TokenBreakdown { Prompt = input ?? 0, Cached = cached, Completion = output ?? 0, Total = (input ?? 0) + (output ?? 0) };
    }

    // A payload attribute: JSON text is read as JSON (a message list, an object), anything else kept as it is.
    private static JsonElement? Payload(OtlpSpan span, string[] keys)
    {
        foreach (var key in keys)
        {
            if (span.Attributes.TryGetValue(key, out var value) && value is not null)
            {
                return OtlpValues.Payload(value);
            }
        }
        return null;
    }
}
