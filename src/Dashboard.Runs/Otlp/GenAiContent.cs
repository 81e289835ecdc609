using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Model.Events;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// A model call's prompt and answer, when an instrumentation sends them as log events rather than span attributes (the
/// OpenTelemetry GenAI conventions: <c>gen_ai.client.inference.operation.details</c> with <c>gen_ai.input.messages</c>
/// and <c>gen_ai.output.messages</c>; before 1.37, one event per message, <c>gen_ai.system.message</c>,
/// <c>gen_ai.user.message</c>, <c>gen_ai.assistant.message</c>, <c>gen_ai.tool.message</c>, and <c>gen_ai.choice</c> per
/// answer). Those events of a span that comes in the same trace export become its step's input and output, where the
/// span carried none itself, instead of log lines holding a prompt as JSON. Pure.
/// </summary>
internal static class GenAiContent
{
    private const string OperationDetails = "gen_ai.client.inference.operation.details";
    private const string Choice = "gen_ai.choice";

    private static readonly Dictionary<string, string> MessageRoles = new(StringComparer.Ordinal)
    {
        ["gen_ai.system.message"] = "system",
        ["gen_ai.user.message"] = "user",
        ["gen_ai.assistant.message"] = "assistant",
        ["gen_ai.tool.message"] = "tool",
    };

    private static readonly HashSet<string> InferenceOperations = new(StringComparer.Ordinal) { "chat", "text_completion", "generate_content" };

    /// <summary>
    /// A model call's span (an inference operation, or a span naming a requested model without an operation) that
    /// carries neither its prompt nor its answer: an instrumentation that sends those as events sends them beside it.
    /// </summary>
    public static bool LacksContent(OtlpSpan span)
    {
        var operation = span.Text("gen_ai.operation.name");
        var modelCall = operation is null ? span.Text("gen_ai.request.model") is not null : InferenceOperations.Contains(operation);
        return modelCall
            && !SpanMapping.InputKeys.Concat(SpanMapping.OutputKeys).Any(span.Attributes.ContainsKey)
            && !span.Events.Any(e => e.Name.StartsWith("gen_ai.", StringComparison.Ordinal));
    }

    public static bool IsContent(OtlpLogRecord record) =>
        record.SpanId is not null && record.EventName is { } name && (name is OperationDetails or Choice || MessageRoles.ContainsKey(name));

    /// <summary>
    /// The events with each step's input and output filled from <paramref name="records"/> where the span gave none;
    /// the records used (the others stay log lines).
    /// </summary>
    public static (List<RunEvent> Events, IReadOnlySet<OtlpLogRecord> Used) Apply(List<RunEvent> events, IEnumerable<OtlpLogRecord> records)
    {
        var bySpan = records.Where(IsContent).GroupBy(r => r.SpanId!).ToDictionary(g => g.Key, g => g.OrderBy(r => r.At).ToList(), StringComparer.Ordinal);
        var used = new HashSet<OtlpLogRecord>(ReferenceEqualityComparer.Instance);
        if (bySpan.Count == 0)
        {
            return (events, used);
        }
        var result = new List<RunEvent>(events.Count);
        foreach (var e in events)
        {
            if (e is StepStarted { Input: null } started && SpanOf(e.EventId, ":start") is { } startSpan
                && bySpan.TryGetValue(startSpan, out var ofStart) && InputOf(ofStart) is { } input)
            {
                used.UnionWith(input.From);
                result.Add(started with { Input = input.Value });
            }
            else if (e is StepCompleted { Output: null } completed && SpanOf(e.EventId, ":end") is { } endSpan
                && bySpan.TryGetValue(endSpan, out var ofEnd) && OutputOf(ofEnd) is { } output)
            {
                used.UnionWith(output.From);
                result.Add(completed with { Output = output.Value });
            }
            else
            {
                result.Add(e);
            }
        }
        return (result, used);
    }

    private static string? SpanOf(string? eventId, string suffix) =>
        eventId is not null && eventId.StartsWith("otel:", StringComparison.Ordinal) && eventId.EndsWith(suffix, StringComparison.Ordinal)
            ? eventId["otel:".Length..^suffix.Length]
            : null;

    private sealed record Found(JsonElement Value, IReadOnlyList<OtlpLogRecord> From);

    private static Found? InputOf(List<OtlpLogRecord> records)
    {
        if (records.FirstOrDefault(r => r.EventName == OperationDetails && r.Attributes.GetValueOrDefault("gen_ai.input.messages") is not null) is { } details)
        {
            var messages = OtlpValues.Payload(details.Attributes["gen_ai.input.messages"]!);
            var value = details.Attributes.GetValueOrDefault("gen_ai.system_instructions") is { } system
                ? JsonSerializer.SerializeToElement(new { system_instructions = OtlpValues.Payload(system), messages })
                : messages;
            return new Found(value, [details]);
        }
        var perMessage = records.Where(r => r.EventName is { } name && MessageRoles.ContainsKey(name)).ToList();
        if (perMessage.Count == 0)
        {
            return null;
        }
        // Each message with its role, which the event's name says and its body may leave out.
        var array = new JsonArray();
        foreach (var record in perMessage)
        {
            var message = record.Body is JsonObject body ? (JsonObject)body.DeepClone() : new JsonObject { ["content"] = record.Body?.DeepClone() };
            if (!message.ContainsKey("role"))
            {
                message.Insert(0, "role", MessageRoles[record.EventName!]);
            }
            array.Add(message);
        }
        return new Found(JsonSerializer.SerializeToElement(array), perMessage);
    }

    // A choice's index, whatever number type the body's node holds it in (long from OTLP, int when built in code).
    private static long IndexOf(OtlpLogRecord choice) =>
        choice.Body is JsonObject o && o["index"] is JsonValue index && index.GetValueKind() == JsonValueKind.Number
            && long.TryParse(index.ToJsonString(), out var n)
            ? n
            : 0;

    private static Found? OutputOf(List<OtlpLogRecord> records)
    {
        if (records.FirstOrDefault(r => r.EventName == OperationDetails && r.Attributes.GetValueOrDefault("gen_ai.output.messages") is not null) is { } details)
        {
            return new Found(OtlpValues.Payload(details.Attributes["gen_ai.output.messages"]!), [details]);
        }
        var choices = records.Where(r => r.EventName == Choice && r.Body is not null)
            .OrderBy(IndexOf).ToList();
        return choices.Count switch
        {
            0 => null,
            // One answer (the usual): the choice itself, its message and why it finished.
            1 => new Found(JsonSerializer.SerializeToElement(choices[0].Body), choices),
            _ => new Found(JsonSerializer.SerializeToElement(new JsonArray(choices.Select(c => c.Body!.DeepClone()).ToArray())), choices),
        };
    }
}
