using System.Text.Json;
using Dashboard.Model.Json;
using Dashboard.Model.Reducing;

namespace Dashboard.Model.Events;

/// <summary>What a batch of events is parsed from: an engine's request, or the run's own stored stream.</summary>
public enum EventSource
{
    /// <summary>From an engine: <c>offset</c> and <c>truncated</c> are the service's to set, so they are refused.</summary>
    Engine,

    /// <summary>From the stream, as the service serves it: those fields are expected.</summary>
    Stream,
}

public sealed record ParsedBatch(IReadOnlyList<RunEvent> Events, EventRejection? Rejection)
{
    public bool IsValid => Rejection is null;
}

/// <summary>Parses a JSON array of run events into the union, reporting the first problem by event index and field.</summary>
public static class RunEventParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 128 };

    /// <summary>The model's options with the batch's depth limit, so that both ways of reading accept the same bodies.</summary>
    private static readonly JsonSerializerOptions BatchOptions = WithDepth(ModelJson.Options, DocumentOptions.MaxDepth);

    public static ParsedBatch ParseBatch(ReadOnlyMemory<byte> utf8Json, EventSource source = EventSource.Engine)
    {
        if (TryReadWellFormed(utf8Json.Span, source) is { } events)
        {
            return new ParsedBatch(events, null);
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            return Fail(new EventRejection(-1, null, "body", $"is not valid JSON ({CleanMessage(ex)})"));
        }
        using (document)
        {
            return ParseBatch(document.RootElement, source);
        }
    }

    /// <summary>
    /// A batch read in one pass straight into the events, or null when that pass does not take it whole. Most batches
    /// are well formed, and reading them through a document first parsed every event twice and every payload three
    /// times. Anything this pass refuses, and any body that names a field only the service may set, is read again the
    /// long way (<see cref="ParseBatch(JsonElement, EventSource)"/>), which names the event and field at fault: what is
    /// accepted and what each refusal says stay the long way's.
    /// </summary>
    private static List<RunEvent>? TryReadWellFormed(ReadOnlySpan<byte> utf8Json, EventSource source)
    {
        var engine = source == EventSource.Engine;
        if (engine && (utf8Json.IndexOf("\"offset\""u8) >= 0 || utf8Json.IndexOf("\"truncated\""u8) >= 0))
        {
            return null;
        }
        List<RunEvent?>? events;
        try
        {
            events = JsonSerializer.Deserialize<List<RunEvent?>>(utf8Json, BatchOptions);
        }
        catch (Exception)
        {
            // Whatever this pass trips on (a converter's own exception included), the long way meets it again and
            // answers as it always has: a rejection naming the field, or the same exception.
            return null;
        }
        if (events is not { Count: > 0 })
        {
            return null;
        }
        foreach (var e in events)
        {
            // A field name written with escapes is not found by the scan above, but lands here all the same.
            if (e is null || (engine && (e.Offset is not null || e.Truncated is not null)))
            {
                return null;
            }
        }
        return events!;
    }

    private static JsonSerializerOptions WithDepth(JsonSerializerOptions options, int maxDepth)
    {
        var copy = new JsonSerializerOptions(options) { MaxDepth = maxDepth };
        copy.MakeReadOnly();
        return copy;
    }

    public static ParsedBatch ParseBatch(JsonElement root, EventSource source = EventSource.Engine)
    {
        if (root.ValueKind != JsonValueKind.Array)
        {
            return Fail(new EventRejection(-1, null, "body", "must be a JSON array of events"));
        }
        var events = new List<RunEvent>(root.GetArrayLength());
        var index = 0;
        foreach (var element in root.EnumerateArray())
        {
            var (parsed, rejection) = ParseOne(element, index, source);
            if (rejection is not null)
            {
                return Fail(rejection);
            }
            events.Add(parsed!);
            index++;
        }
        if (events.Count == 0)
        {
            return Fail(new EventRejection(-1, null, "body", "must hold at least one event"));
        }
        return new ParsedBatch(events, null);
    }

    public static (RunEvent? Event, EventRejection? Rejection) ParseOne(JsonElement element, int index, EventSource source = EventSource.Stream)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return (null, new EventRejection(index, null, "event", "must be a JSON object"));
        }
        if (!element.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
        {
            return (null, new EventRejection(index, null, "type", "is required"));
        }
        var type = typeElement.GetString()!;
        if (!RunEventTypes.All.Contains(type))
        {
            return (null, new EventRejection(index, null, "type", $"unknown event type '{Shorten(type)}'"));
        }
        if (source == EventSource.Engine)
        {
            foreach (var reserved in (ReadOnlySpan<string>)["offset", "truncated"])
            {
                if (element.TryGetProperty(reserved, out _))
                {
                    return (null, new EventRejection(index, type, reserved, "is set by the service and must not be sent"));
                }
            }
        }
        try
        {
            return (element.Deserialize<RunEvent>(ModelJson.Options), null);
        }
        catch (JsonException ex)
        {
            return (null, new EventRejection(index, type, FieldOf(ex), CleanMessage(ex)));
        }
    }

    private static ParsedBatch Fail(EventRejection rejection) => new([], rejection);

    private static string FieldOf(JsonException ex) =>
        ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "event";

    private static string CleanMessage(JsonException ex)
    {
        var message = ex.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut >= 0)
        {
            message = message[..cut];
        }
        if (ex.InnerException is InvalidOperationException { InnerException: System.Text.DecoderFallbackException })
        {
            // A typed field's string read with bytes that are not UTF-8 ("Cannot transcode invalid UTF-8").
            return RawJsonElementConverter.NotUtf8;
        }
        if (message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            return "has the wrong type or format";
        }
        return message.TrimEnd('.');
    }

    private static string Shorten(string value) => value.Length > 40 ? value[..40] + "…" : value;
}
