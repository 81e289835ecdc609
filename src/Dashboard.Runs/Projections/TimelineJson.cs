using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;

namespace Dashboard.Runs.Projections;

/// <summary>
/// The wire's JSON options with an attempt's payloads left out (<see cref="RunProjectionSchema.PayloadPaths"/>): how the
/// timeline column is written. Leaving them out in the serialiser's contract, rather than in a copy of each attempt
/// without them, saves a copy of every attempt of every batch. (The error's stack and data are inside the error's own
/// converter, so an attempt that has them is still copied without them: <see cref="RunProjectionRows"/>.)
/// </summary>
internal static class TimelineJson
{
    private static readonly HashSet<string> Payloads = new(StringComparer.Ordinal) { "inputContext", "outputContext", "mappedOutput" };

    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(ModelJson.Options)
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { LeaveOutPayloads } },
        };
        options.MakeReadOnly();
        return options;
    }

    private static void LeaveOutPayloads(JsonTypeInfo type)
    {
        if (type.Type != typeof(StepTrace))
        {
            return;
        }
        var found = 0;
        foreach (var property in type.Properties)
        {
            if (Payloads.Contains(property.Name))
            {
                property.ShouldSerialize = static (_, _) => false;
                found++;
            }
        }
        if (found != Payloads.Count)
        {
            // A payload renamed in the model would otherwise be written into every timeline row again, megabytes and all.
            throw new InvalidOperationException($"StepTrace has {found} of the payload properties the timeline leaves out ({string.Join(", ", Payloads)}).");
        }
    }
}
