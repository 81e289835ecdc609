using System.Text.Json;
using Dashboard.Model.Runs;

namespace Dashboard.Model;

/// <summary>
/// "Open in your tracing tool": the run's trace in Jaeger, Tempo, Aspire or any tool whose URL takes a trace id, from
/// <c>Runs:TraceLinkTemplate</c> with <c>{traceId}</c> and <c>{spanId}</c>. The trace id is the one a run received over
/// OTLP keeps in its metadata (<c>otel.traceId</c>); the span id is the run's <c>telemetrySpanId</c>.
/// </summary>
public static class TraceLinks
{
    public const string TraceIdKey = "otel.traceId";

    /// <summary>The link, or null when there is no template or the run lacks an id the template needs.</summary>
    public static string? For(string? template, RunRecord run)
    {
        if (string.IsNullOrWhiteSpace(template))
        {
            return null;
        }
        var traceId = run.Metadata is { ValueKind: JsonValueKind.Object } metadata && metadata.TryGetProperty(TraceIdKey, out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;
        if ((template.Contains("{traceId}", StringComparison.Ordinal) && traceId is null)
            || (template.Contains("{spanId}", StringComparison.Ordinal) && run.TelemetrySpanId is null))
        {
            return null;
        }
        var link = template.Replace("{traceId}", Uri.EscapeDataString(traceId ?? ""), StringComparison.Ordinal)
            .Replace("{spanId}", Uri.EscapeDataString(run.TelemetrySpanId ?? ""), StringComparison.Ordinal);
        // Only a web address: a template is configuration, but a link is still not a place for script.
        return Uri.TryCreate(link, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri.ToString() : null;
    }
}
