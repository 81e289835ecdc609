using System.Text.Json.Nodes;
using Dashboard.Runs.Otlp.Wire;

namespace Dashboard.Runs.Otlp;

/// <summary>A span event (other than an exception, which becomes the step's error): a log line of the step.</summary>
internal sealed record OtlpSpanEvent(DateTimeOffset At, string Name, IReadOnlyDictionary<string, JsonNode?> Attributes);

/// <summary>
/// One span as the mapping reads it: ids in lower-case hex, times as instants, attributes (the resource's under the
/// span's own) as JSON values.
/// </summary>
internal sealed record OtlpSpan(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    ulong StartNanos,
    DateTimeOffset Start,
    DateTimeOffset End,
    IReadOnlyDictionary<string, JsonNode?> Attributes,
    IReadOnlyDictionary<string, JsonNode?> Resource,
    IReadOnlyList<OtlpSpanEvent> Events,
    bool IsError,
    string? StatusMessage)
{
    public bool IsRoot => ParentSpanId is null;

    /// <summary>The resource's <c>service.name</c>: which service sent the span.</summary>
    public string? ServiceName => Resource.TryGetValue("service.name", out var value) && value is JsonValue v && v.TryGetValue<string>(out var name) ? name : null;

    public string? Text(string key) => Attributes.TryGetValue(key, out var value) && value is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    public long? Whole(string key) => Attributes.TryGetValue(key, out var value) && value is JsonValue v
        ? v.TryGetValue<long>(out var number) ? number : v.TryGetValue<string>(out var text) && long.TryParse(text, out var parsed) ? parsed : null
        : null;

    public decimal? Decimal(string key) => Attributes.TryGetValue(key, out var value) && value is JsonValue v
        ? v.TryGetValue<double>(out var number) ? (decimal)number
            : v.TryGetValue<long>(out var whole) ? whole
            : v.TryGetValue<string>(out var text) && decimal.TryParse(text, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : null
        : null;

    /// <summary>Every span of the request, each with its resource's attributes; spans without valid ids are counted apart.</summary>
    public static (List<OtlpSpan> Spans, int Invalid) Flatten(ExportTraceServiceRequest request)
    {
        var spans = new List<OtlpSpan>();
        var invalid = 0;
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var resource = OtlpValues.ToDictionary(resourceSpans.Resource?.Attributes);
            foreach (var scope in resourceSpans.ScopeSpans)
            {
                foreach (var span in scope.Spans)
                {
                    if (span.TraceId.Length != 16 || span.SpanId.Length != 8 || span.TraceId.All(b => b == 0))
                    {
                        invalid++;
                        continue;
                    }
                    var events = new List<OtlpSpanEvent>(span.Events.Count);
                    foreach (var e in span.Events)
                    {
                        events.Add(new OtlpSpanEvent(OtlpValues.Time(e.TimeUnixNano), e.Name, OtlpValues.ToDictionary(e.Attributes)));
                    }
                    spans.Add(new OtlpSpan(
                        Convert.ToHexStringLower(span.TraceId.Span),
                        Convert.ToHexStringLower(span.SpanId.Span),
                        span.ParentSpanId.Length == 8 ? Convert.ToHexStringLower(span.ParentSpanId.Span) : null,
                        span.Name.Length == 0 ? "span" : span.Name,
                        span.StartTimeUnixNano,
                        OtlpValues.Time(span.StartTimeUnixNano),
                        OtlpValues.Time(Math.Max(span.EndTimeUnixNano, span.StartTimeUnixNano)),
                        OtlpValues.ToDictionary(span.Attributes),
                        resource,
                        events,
                        span.Status?.Code == Status.Types.StatusCode.Error,
                        span.Status?.Message is { Length: > 0 } message ? message : null));
                }
            }
        }
        return (spans, invalid);
    }
}
