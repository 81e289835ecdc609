using System.Text.Json;
using System.Text.Json.Serialization;
using Dashboard.Model.Json;

namespace Dashboard.Model.Runs;

/// <summary>An error as an engine reports it. On the wire either this object or a bare string (the message).</summary>
[JsonConverter(typeof(ErrorInfoConverter))]
public sealed record ErrorInfo
{
    public string? Code { get; init; }
    public string Message { get; init; } = "";
    public string? Type { get; init; }
    public string? Stack { get; init; }
    public JsonElement? Data { get; init; }
}
