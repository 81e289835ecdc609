using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Model.Events;
using Dashboard.Runs.Otlp.Wire;
using Google.Protobuf;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// One OTLP log record as the runs service reads it: its trace and span (lower-case hex), the run it names (a
/// <c>run.id</c> attribute of its own or of its resource), its time, level and message, and its attributes; for an
/// event (a GenAI message, say), its name and structured body.
/// </summary>
internal sealed record OtlpLogRecord(
    string TraceId,
    string? SpanId,
    string? NamedRunId,
    DateTimeOffset At,
    string Level,
    string Message,
    IReadOnlyDictionary<string, JsonNode?> Attributes,
    string EventId)
{
    /// <summary>The event's name: the record's own (<c>event_name</c>), or its <c>event.name</c> attribute (older SDKs).</summary>
    public string? EventName { get; init; }

    /// <summary>The body as JSON (text, or the structure an event carries).</summary>
    public JsonNode? Body { get; init; }

    /// <summary>The resource's <c>service.name</c>: which service sent the record.</summary>
    public string? ServiceName { get; init; }

    /// <summary>
    /// Every record of the request; those without a valid trace id are only counted: a log line belongs to a run
    /// through its trace, and one outside any trace has no run to go to. A record without a time of its own (nor one it
    /// was observed at) is given the time it was received.
    /// </summary>
    public static (List<OtlpLogRecord> Records, int WithoutTrace) Flatten(ExportLogsServiceRequest request, DateTimeOffset received)
    {
        var records = new List<OtlpLogRecord>();
        var withoutTrace = 0;
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var resourceRunId = RunIdIn(resourceLogs.Resource?.Attributes);
            var service = resourceLogs.Resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value is { ValueCase: AnyValue.ValueOneofCase.StringValue } serviceName
                ? serviceName.StringValue
                : null;
            foreach (var scope in resourceLogs.ScopeLogs)
            {
                foreach (var record in scope.LogRecords)
                {
                    if (OtlpValues.Id(record.TraceId, 16) is not { } traceId)
                    {
                        withoutTrace++;
                        continue;
                    }
                    var attributes = OtlpValues.ToDictionary(record.Attributes);
                    var time = record.TimeUnixNano != 0 ? record.TimeUnixNano : record.ObservedTimeUnixNano;
                    records.Add(new OtlpLogRecord(
                        traceId,
                        OtlpValues.Id(record.SpanId, 8),
                        RunIdIn(record.Attributes) ?? resourceRunId,
                        time == 0 ? received : OtlpValues.Time(time),
                        LevelOf(record.SeverityNumber, record.SeverityText),
                        MessageOf(record, attributes),
                        attributes,
                        EventIdOf(record))
                    {
                        EventName = record.EventName is { Length: > 0 } name ? name
                            : attributes.GetValueOrDefault("event.name") is JsonValue v && v.TryGetValue<string>(out var named) ? named : null,
                        Body = OtlpValues.Value(record.Body),
                        ServiceName = service,
                    });
                }
            }
        }
        return (records, withoutTrace);
    }

    /// <summary>
    /// The record as a <c>log</c> event of the run: of a step when <paramref name="step"/> names one (the step's
    /// attempt and loop iteration), of the run otherwise; <paramref name="keepSpan"/> keeps the id of a span that never
    /// became a step among its fields.
    /// </summary>
    public LogEvent ToEvent(OtlpTraceIndex.SpanStep? step, bool keepSpan = false)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (key, value) in Attributes)
        {
            // .NET's message template: the message is already written out with it.
            if (key != "{OriginalFormat}")
            {
                fields[key] = JsonSerializer.SerializeToElement(value);
            }
        }
        if (keepSpan && SpanId is not null)
        {
            fields[Projections.RunProjectionRows.OtelSpanField] = JsonSerializer.SerializeToElement(SpanId);
        }
        return new LogEvent
        {
            EventId = EventId,
            Timestamp = At,
            Level = Level,
            Message = Message,
            StepId = step?.StepId,
            Attempt = step?.Attempt,
            LoopIndex = step?.LoopIndex,
            Extra = fields.Count == 0 ? null : fields,
        };
    }

    /// <summary>
    /// OTLP's severity numbers in the four levels of run-events.md (trace goes with debug, fatal with error); without a
    /// number, the severity text if it names one; <c>info</c> otherwise.
    /// </summary>
    public static string LevelOf(SeverityNumber number, string? text) => (int)number switch
    {
        >= 1 and <= 8 => "debug",
        >= 9 and <= 12 => "info",
        >= 13 and <= 16 => "warn",
        >= 17 => "error",
        _ => text?.Trim().ToLowerInvariant() switch
        {
            "trace" or "debug" or "verbose" => "debug",
            "warn" or "warning" => "warn",
            "error" or "fatal" or "critical" => "error",
            _ => "info",
        },
    };

    // The body when it is text (a message template written out with its values); structured bodies as their JSON;
    // without a body, the event's name.
    private static string MessageOf(LogRecord record, IReadOnlyDictionary<string, JsonNode?> attributes)
    {
        if (record.Body?.ValueCase == AnyValue.ValueOneofCase.StringValue)
        {
            return MessageTemplate.Render(record.Body.StringValue, attributes);
        }
        if (OtlpValues.Value(record.Body) is { } structured)
        {
            return OtlpValues.Text(structured);
        }
        return record.EventName is { Length: > 0 } name ? name : "";
    }

    private static string? RunIdIn(IEnumerable<KeyValue>? attributes) =>
        attributes?.FirstOrDefault(a => a.Key == "run.id")?.Value is { ValueCase: AnyValue.ValueOneofCase.StringValue, StringValue: { Length: > 0 } id }
            && !string.IsNullOrWhiteSpace(id) ? id : null;

    // The record's own bytes name it: an export sent again (an exporter's retry) is stored once.
    private static string EventIdOf(LogRecord record) =>
        "otel:log:" + Convert.ToHexStringLower(SHA256.HashData(record.ToByteArray()).AsSpan(0, 16));
}
