using System.Text.Encodings.Web;
using System.Text.Json;
using Dashboard.Model.Runs;

namespace Dashboard.Model;

/// <summary>
/// An attempt as the step panel keeps it while it is open: the record without its payloads, and the payloads as text.
/// The record the client read holds each payload as a parsed document (the text and 12 bytes a token); kept, a step
/// with a 5 MB output cost its tab 15 MB where the text is 5.
/// </summary>
public sealed record StepAttempt(StepTrace Trace, JsonPayload? Input, JsonPayload? Output, JsonPayload? MappedOutput)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public int Attempt => Trace.Attempt;

    public static StepAttempt Of(StepTrace attempt) => new(
        attempt with { InputContext = null, OutputContext = null, MappedOutput = null },
        JsonPayload.Of(attempt.InputContext),
        JsonPayload.Of(attempt.OutputContext),
        JsonPayload.Of(attempt.MappedOutput));

    public static IReadOnlyList<StepAttempt> Of(IEnumerable<StepTrace> attempts) => attempts.Select(Of).ToList();

    /// <summary>A field as indented text, to compare with another attempt's: input, output, mapped or error.</summary>
    public string? Text(string field) => field switch
    {
        "output" => Output?.Indented(),
        "mapped" => MappedOutput?.Indented(),
        "error" => Trace.ErrorContext is null ? null : JsonSerializer.Serialize(Trace.ErrorContext, Indented),
        _ => Input?.Indented(),
    };
}
