using System.Buffers;
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

    /// <summary>
    /// The timeline JSON of an attempt cut out of its whole JSON (as <see cref="ModelJson.Options"/> wrote it): the same
    /// bytes without the payloads, and without the error's stack and data. It is what serialising the attempt again with
    /// <see cref="Options"/> (its error's detail taken out) writes, every other property in its place and form, for a
    /// copy of bytes instead of a second serialisation of every attempt of every batch.
    /// </summary>
    public static byte[] CutFrom(ReadOnlySpan<byte> attemptJson)
    {
        var output = new ArrayBufferWriter<byte>(attemptJson.Length);
        var reader = new Utf8JsonReader(attemptJson, new JsonReaderOptions { MaxDepth = ModelJson.Options.MaxDepth });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidDataException("An attempt's JSON is not an object.");
        }
        CopyObject(ref reader, attemptJson, output, IsPayload, errorToo: true);
        return output.WrittenSpan.ToArray();
    }

    private static bool IsPayload(ref Utf8JsonReader name) =>
        name.ValueTextEquals("inputContext"u8) || name.ValueTextEquals("outputContext"u8) || name.ValueTextEquals("mappedOutput"u8);

    private static bool IsErrorDetail(ref Utf8JsonReader name) => name.ValueTextEquals("stack"u8) || name.ValueTextEquals("data"u8);

    private delegate bool LeaveOut(ref Utf8JsonReader name);

    // Copies the object whose start the reader is on, without the properties leaveOut names; with errorToo, the
    // errorContext object without its stack and data.
    private static void CopyObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, ArrayBufferWriter<byte> output, LeaveOut leaveOut, bool errorToo)
    {
        output.Write("{"u8);
        var first = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var start = (int)reader.TokenStartIndex;
            var left = leaveOut(ref reader);
            var isError = errorToo && reader.ValueTextEquals("errorContext"u8);
            var value = reader;
            reader.Skip();
            if (left)
            {
                continue;
            }
            if (!first)
            {
                output.Write(","u8);
            }
            first = false;
            if (isError && value.Read() && value.TokenType == JsonTokenType.StartObject)
            {
                output.Write("\"errorContext\":"u8);
                CopyObject(ref value, json, output, IsErrorDetail, errorToo: false);
                continue;
            }
            output.Write(json[start..(int)reader.BytesConsumed]);
        }
        output.Write("}"u8);
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
