namespace Dashboard.Model;

/// <summary>
/// A model call's messages as a person reads them (who said what, which tools were called with what, what they
/// answered), read from a step's input or output by <see cref="ChatTranscriptReader"/>. Every text is the run's own
/// and is shown as text.
/// </summary>
public sealed record ChatTranscript(IReadOnlyList<ChatMessage> Messages);

/// <summary>One message: its role as sent, an optional name, its parts in order, and why the model stopped (answers).</summary>
public sealed record ChatMessage(string Role, IReadOnlyList<ChatPart> Parts, string? Name = null, string? FinishReason = null)
{
    /// <summary>The role's style: one of a known few, so a role from a run never becomes a CSS class of its own.</summary>
    public string RoleStyle => Role.ToLowerInvariant() switch
    {
        "system" or "developer" => "system",
        "user" or "human" => "user",
        "assistant" or "model" or "ai" => "assistant",
        "tool" or "function" or "ipython" => "tool",
        _ => "other",
    };
}

public enum ChatPartKind
{
    Text,
    Reasoning,
    ToolCall,
    ToolResult,

    /// <summary>A part kept as JSON (an image, audio, a block type this reader does not know).</summary>
    Other,
}

/// <summary>
/// A part of a message: text; a tool call (<see cref="Name"/>, <see cref="Id"/>, the arguments as <see cref="Body"/>,
/// indented when they are JSON); a tool's result (<see cref="Id"/> of the call it answers); or another part's JSON with
/// its type as <see cref="Name"/>.
/// </summary>
public sealed record ChatPart(ChatPartKind Kind, string Body, string? Name = null, string? Id = null);
