using System.Text.Json;
using System.Text.Json.Serialization;
using Dashboard.Model.Runs;

namespace Dashboard.Model.Json;

/// <summary>The one set of JSON options for the wire: camelCase names, snake_case enum values, UTC times.</summary>
public static class ModelJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>
    /// The same conventions in snake_case, for the execution detail of seed 004 and the record of seed 002. Those seeds
    /// type their optional fields <c>T | null</c>, so a field without a value is written as <c>null</c>, never left out.
    /// </summary>
    public static JsonSerializerOptions SnakeCaseOptions { get; } = Create(JsonNamingPolicy.SnakeCaseLower, JsonIgnoreCondition.Never);

    /// <summary>Applies the model's conventions to options owned by someone else (ASP.NET's, Refit's).</summary>
    public static void Configure(JsonSerializerOptions options, JsonNamingPolicy? naming = null)
    {
        options.PropertyNamingPolicy = naming ?? JsonNamingPolicy.CamelCase;
        options.DictionaryKeyPolicy = null;
        options.PropertyNameCaseInsensitive = false;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.AllowOutOfOrderMetadataProperties = true;
        options.NumberHandling = JsonNumberHandling.Strict;
        // Ingestion refuses bodies nested deeper than 128 (RunEventParser); a stored payload is then served wrapped in a
        // few more levels (trace, step, attempt), so every reader and writer allows more than the default 64.
        options.MaxDepth = 192;
        options.Converters.Add(new Rfc3339DateTimeOffsetConverter());
        options.Converters.Add(new RawJsonElementConverter());
        options.Converters.Add(new JsonStringEnumConverter<RunStatus>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.Converters.Add(new JsonStringEnumConverter<StepStatus>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.Converters.Add(new JsonStringEnumConverter<Comparing.StepDifference>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
    }

    private static JsonSerializerOptions Create(JsonNamingPolicy? naming = null, JsonIgnoreCondition ignore = JsonIgnoreCondition.WhenWritingNull)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Configure(options, naming);
        options.DefaultIgnoreCondition = ignore;
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
