using System.Text.Json;
using System.Text.Json.Serialization;
using Dashboard.Model.Runs;

namespace Dashboard.Model.Json;

/// <summary>An error is either an object <c>{code?, message, type?, stack?, data?}</c> or a bare string message.</summary>
public sealed class ErrorInfoConverter : JsonConverter<ErrorInfo>
{
    public override ErrorInfo? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return new ErrorInfo { Message = reader.GetString()! };
            case JsonTokenType.StartObject:
                var error = new ErrorInfo();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = reader.GetString();
                    reader.Read();
                    error = name switch
                    {
                        "code" => error with { Code = ReadString(ref reader, name) },
                        "message" => error with { Message = ReadString(ref reader, name) ?? "" },
                        "type" => error with { Type = ReadString(ref reader, name) },
                        "stack" => error with { Stack = ReadString(ref reader, name) },
                        "data" => error with { Data = JsonElement.ParseValue(ref reader) },
                        _ => Skip(ref reader, error),
                    };
                }
                return error;
            default:
                throw new JsonException("An error must be a string or an object with a message.");
        }
    }

    public override void Write(Utf8JsonWriter writer, ErrorInfo value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        if (value.Code is not null)
        {
            writer.WriteString("code", value.Code);
        }
        writer.WriteString("message", value.Message);
        if (value.Type is not null)
        {
            writer.WriteString("type", value.Type);
        }
        if (value.Stack is not null)
        {
            writer.WriteString("stack", value.Stack);
        }
        if (value.Data is { } data)
        {
            writer.WritePropertyName("data");
            data.WriteTo(writer);
        }
        writer.WriteEndObject();
    }

    private static string? ReadString(ref Utf8JsonReader reader, string? name) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"error.{name} must be a string."),
    };

    private static ErrorInfo Skip(ref Utf8JsonReader reader, ErrorInfo error)
    {
        reader.Skip();
        return error;
    }
}
