using System.Text.Json;

namespace Dashboard.Model;

/// <summary>
/// Reads a payload as a model call's messages when it is one: a list of messages (OpenAI's chat format, OpenTelemetry's
/// <c>gen_ai.input.messages</c> / <c>gen_ai.output.messages</c> with typed parts, Anthropic's content blocks), a request
/// holding <c>messages</c> (with its <c>system</c> or <c>system_instructions</c> first), a response holding
/// <c>choices</c>, or one choice or message. Anything else, or a list with one item that is not a message, is not a
/// transcript (null): the viewer then shows the JSON alone. Pure.
/// </summary>
public static class ChatTranscriptReader
{
    /// <summary>A role longer than this is not a chat role: the payload is something else with a "role" field.</summary>
    private const int MaxRoleLength = 40;

    public static ChatTranscript? Read(JsonPayload? payload)
    {
        // Most payloads are not messages: those without either word are not parsed a second time.
        if (payload is not { Kind: JsonValueKind.Object or JsonValueKind.Array }
            || (payload.Root.Utf8.Span.IndexOf("\"role\""u8) < 0 && payload.Root.Utf8.Span.IndexOf("\"message"u8) < 0))
        {
            return null;
        }
        using var document = payload.Root.Parse();
        return Read(document.RootElement);
    }

    public static ChatTranscript? Read(JsonElement root)
    {
        var messages = new List<ChatMessage>();
        return ReadRoot(root, messages) && messages.Count > 0 ? new ChatTranscript(messages) : null;
    }

    private static bool ReadRoot(JsonElement root, List<ChatMessage> into)
    {
        if (root.ValueKind == JsonValueKind.Array)
        {
            return ReadList(root, into);
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            return false;
        }
        if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
        {
            // A request: its system prompt first, as the model read it.
            if (SystemOf(root) is { } system)
            {
                into.Add(system);
            }
            return ReadList(messages, into);
        }
        if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
        {
            return ReadList(choices, into);
        }
        return ReadItem(root, into);
    }

    private static bool ReadList(JsonElement list, List<ChatMessage> into)
    {
        if (list.GetArrayLength() == 0)
        {
            return false;
        }
        foreach (var item in list.EnumerateArray())
        {
            if (!ReadItem(item, into))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A message, or a choice holding one (OpenAI's answers; the body of a <c>gen_ai.choice</c> event).</summary>
    private static bool ReadItem(JsonElement item, List<ChatMessage> into)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return false;
        }
        if (!item.TryGetProperty("role", out _) && item.TryGetProperty("message", out var inner) && inner.ValueKind == JsonValueKind.Object)
        {
            if (MessageOf(inner, defaultRole: "assistant") is not { } answer)
            {
                return false;
            }
            into.Add(answer with { FinishReason = answer.FinishReason ?? StringOf(item, "finish_reason") });
            return true;
        }
        if (MessageOf(item, defaultRole: null) is not { } message)
        {
            return false;
        }
        into.Add(message);
        return true;
    }

    private static ChatMessage? MessageOf(JsonElement message, string? defaultRole)
    {
        var role = StringOf(message, "role") ?? defaultRole;
        if (role is null || role.Length is 0 or > MaxRoleLength)
        {
            return null;
        }
        var parts = new List<ChatPart>();
        var hasContent = false;
        if (message.TryGetProperty("content", out var content))
        {
            hasContent = true;
            AddContent(content, parts);
        }
        if (message.TryGetProperty("parts", out var typed) && typed.ValueKind == JsonValueKind.Array)
        {
            hasContent = true;
            parts.AddRange(typed.EnumerateArray().Select(PartOf));
        }
        if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            hasContent = true;
            parts.AddRange(calls.EnumerateArray().Select(ToolCallOf));
        }
        if (message.TryGetProperty("function_call", out var call) && call.ValueKind == JsonValueKind.Object)
        {
            hasContent = true;
            parts.Add(ToolCallOf(call));
        }
        if (!hasContent)
        {
            return null;
        }
        // OpenAI's tool message: its text is the result of the call it names.
        if (StringOf(message, "tool_call_id") is { } answers)
        {
            parts = parts.Select(p => p.Kind == ChatPartKind.Text ? p with { Kind = ChatPartKind.ToolResult, Id = answers } : p).ToList();
        }
        return new ChatMessage(role, parts, StringOf(message, "name"), StringOf(message, "finish_reason") ?? StringOf(message, "stop_reason"));
    }

    /// <summary>OpenTelemetry's <c>system_instructions</c> (parts) or Anthropic's <c>system</c> (text or blocks).</summary>
    private static ChatMessage? SystemOf(JsonElement request)
    {
        foreach (var key in (ReadOnlySpan<string>)["system_instructions", "system"])
        {
            if (request.TryGetProperty(key, out var system) && system.ValueKind is JsonValueKind.String or JsonValueKind.Array)
            {
                var parts = new List<ChatPart>();
                AddContent(system, parts);
                return new ChatMessage("system", parts);
            }
        }
        return null;
    }

    private static void AddContent(JsonElement content, List<ChatPart> parts)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                parts.Add(new ChatPart(ChatPartKind.Text, content.GetString()!));
                break;
            case JsonValueKind.Array:
                parts.AddRange(content.EnumerateArray().Select(block => block.ValueKind == JsonValueKind.String
                    ? new ChatPart(ChatPartKind.Text, block.GetString()!)
                    : PartOf(block)));
                break;
            case JsonValueKind.Null or JsonValueKind.Undefined:
                // An assistant message that only calls tools.
                break;
            default:
                parts.Add(new ChatPart(ChatPartKind.Other, Indented(content)));
                break;
        }
    }

    /// <summary>
    /// One typed part: OpenTelemetry's (<c>text</c>, <c>reasoning</c>, <c>tool_call</c>, <c>tool_call_response</c>),
    /// OpenAI's (<c>text</c>, <c>refusal</c>, <c>function_call</c>, <c>function_call_output</c>) or Anthropic's
    /// (<c>text</c>, <c>thinking</c>, <c>tool_use</c>, <c>tool_result</c>); any other kept as its JSON.
    /// </summary>
    private static ChatPart PartOf(JsonElement block)
    {
        if (block.ValueKind != JsonValueKind.Object)
        {
            return new ChatPart(ChatPartKind.Other, Indented(block));
        }
        var type = StringOf(block, "type");
        switch (type)
        {
            case "text" or "input_text" or "output_text" or "refusal":
                if ((StringOf(block, "text") ?? StringOf(block, "content") ?? StringOf(block, "refusal")) is { } text)
                {
                    return new ChatPart(ChatPartKind.Text, text);
                }
                break;
            case "reasoning" or "thinking":
                if ((StringOf(block, "content") ?? StringOf(block, "thinking") ?? StringOf(block, "text")) is { } thought)
                {
                    return new ChatPart(ChatPartKind.Reasoning, thought);
                }
                break;
            case "tool_call" or "tool_use" or "function_call":
                return ToolCallOf(block);
            case "tool_call_response" or "tool_result" or "function_call_output":
                var body = block.TryGetProperty("response", out var result) || block.TryGetProperty("content", out result) || block.TryGetProperty("output", out result)
                    ? TextOrJson(result)
                    : "";
                return new ChatPart(ChatPartKind.ToolResult, body, Id: StringOf(block, "id") ?? StringOf(block, "tool_use_id") ?? StringOf(block, "call_id"));
        }
        return new ChatPart(ChatPartKind.Other, Indented(block), Name: type);
    }

    private static ChatPart ToolCallOf(JsonElement call)
    {
        // OpenAI nests the function in the call: {id, type: "function", function: {name, arguments}}.
        var function = call.TryGetProperty("function", out var nested) && nested.ValueKind == JsonValueKind.Object ? nested : call;
        var arguments = function.TryGetProperty("arguments", out var given) || function.TryGetProperty("input", out given) ? TextOrJson(given) : "";
        return new ChatPart(ChatPartKind.ToolCall, arguments, StringOf(function, "name") ?? "(no name)", StringOf(call, "id") ?? StringOf(call, "call_id"));
    }

    /// <summary>
    /// Text as written, unless it is JSON (OpenAI sends a call's arguments as JSON text): then indented. A list of text
    /// blocks (Anthropic's tool results) is their text; other values are indented JSON.
    /// </summary>
    private static string TextOrJson(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            if (text.AsSpan().TrimStart() is ['{' or '[', ..])
            {
                try
                {
                    using var document = JsonDocument.Parse(text);
                    return Indented(document.RootElement);
                }
                catch (JsonException)
                {
                    // Not JSON after all: the text as written.
                }
            }
            return text;
        }
        if (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(b => StringOf(b, "type") == "text" && StringOf(b, "text") is not null))
        {
            return string.Join("\n", value.EnumerateArray().Select(b => StringOf(b, "text")));
        }
        return Indented(value);
    }

    private static string? StringOf(JsonElement item, string name) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Indented(JsonElement value) => JsonSerializer.Serialize(value, JsonPayload.IndentedOptions);
}
