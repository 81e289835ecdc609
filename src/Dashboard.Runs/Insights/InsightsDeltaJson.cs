using System.Text.Json;

namespace Dashboard.Runs.Insights;

/// <summary>How deltas are kept while they wait in <c>insight_pending</c> (<see cref="InsightsOutbox"/>): only the service reads them back.</summary>
internal static class InsightsDeltaJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
}
