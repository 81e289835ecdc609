using System.Text.Json;
using Dashboard.Model;

namespace Dashboard.Web.Tests;

/// <summary>The shapes model calls are recorded in, read as who said what; everything else left to the JSON views.</summary>
public sealed class ChatTranscriptReaderTests
{
    private static ChatTranscript? Read(string json) => ChatTranscriptReader.Read(JsonPayload.Parse(json));

    private static IEnumerable<(string, ChatPartKind, string)> Flat(ChatTranscript transcript) =>
        transcript.Messages.SelectMany(m => m.Parts.Select(p => (m.Role, p.Kind, p.Body)));

    [Fact]
    public void OpenAiRequest_WithToolCallsAndTheirResults()
    {
        var transcript = Read("""
            {"model":"gpt-4o","temperature":0,"messages":[
              {"role":"system","content":"You answer from the order system."},
              {"role":"user","content":"Where is order 42?"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"lookup_order","arguments":"{\"id\":42}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"shipped"}]}
            """)!;

        Assert.Equal(["system", "user", "assistant", "tool"], transcript.Messages.Select(m => m.Role));
        var call = transcript.Messages[2].Parts.Single();
        Assert.Equal((ChatPartKind.ToolCall, "lookup_order", "call_1"), (call.Kind, call.Name, call.Id));
        // Arguments sent as JSON text are shown indented.
        Assert.Equal("{\n  \"id\": 42\n}", call.Body.ReplaceLineEndings("\n"));
        Assert.Equal((ChatPartKind.ToolResult, "shipped", "call_1"), (transcript.Messages[3].Parts[0].Kind, transcript.Messages[3].Parts[0].Body, transcript.Messages[3].Parts[0].Id));
    }

    [Fact]
    public void OpenTelemetryMessages_WithSystemInstructions_Parts_AndFinishReason()
    {
        var input = Read("""
            {"system_instructions":[{"type":"text","content":"Be brief."}],
             "messages":[{"role":"user","parts":[{"type":"text","content":"Weather in Paris?"}]},
                         {"role":"assistant","parts":[{"type":"reasoning","content":"Need the tool."},{"type":"tool_call","id":"c1","name":"get_weather","arguments":{"city":"Paris"}}]},
                         {"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":"rainy, 57°F"}]}]}
            """)!;
        var output = Read("""[{"role":"assistant","parts":[{"type":"text","content":"Rainy."}],"finish_reason":"stop"}]""")!;

        Assert.Equal(
            [("system", ChatPartKind.Text, "Be brief."), ("user", ChatPartKind.Text, "Weather in Paris?"), ("assistant", ChatPartKind.Reasoning, "Need the tool."),
             ("assistant", ChatPartKind.ToolCall, "{\n  \"city\": \"Paris\"\n}"), ("tool", ChatPartKind.ToolResult, "rainy, 57°F")],
            Flat(input).Select(f => (f.Item1, f.Item2, f.Item3.ReplaceLineEndings("\n"))));
        Assert.Equal(("Rainy.", "stop"), (output.Messages[0].Parts[0].Body, output.Messages[0].FinishReason));
    }

    [Fact]
    public void Choices_AndAnthropicBlocks()
    {
        var response = Read("""{"id":"x","choices":[{"index":0,"finish_reason":"length","message":{"role":"assistant","content":"Part one"}}]}""")!;
        var choice = Read("""{"index":0,"finish_reason":"stop","message":{"content":"Route to web team."}}""")!;
        var anthropic = Read("""
            {"system":"Terse.","messages":[{"role":"user","content":[{"type":"text","text":"Sum 2 and 3"},{"type":"image","source":{"type":"base64"}}]},
              {"role":"assistant","content":[{"type":"tool_use","id":"tu_1","name":"add","input":{"a":2,"b":3}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"tu_1","content":[{"type":"text","text":"5"}]}]}]}
            """)!;

        Assert.Equal(("assistant", "Part one", "length"), (response.Messages[0].Role, response.Messages[0].Parts[0].Body, response.Messages[0].FinishReason));
        // A choice's message without a role is the model's.
        Assert.Equal(("assistant", "stop"), (choice.Messages[0].Role, choice.Messages[0].FinishReason));
        Assert.Equal(["Text", "Text", "Other", "ToolCall", "ToolResult"], Flat(anthropic).Select(f => f.Item2.ToString()));
        Assert.Equal("image", anthropic.Messages[1].Parts[1].Name);
        Assert.Equal(("tu_1", "5"), (anthropic.Messages[3].Parts[0].Id, anthropic.Messages[3].Parts[0].Body));
    }

    [Theory]
    [InlineData("""{"invoice":"INV-1","total":12}""")]
    [InlineData("""[{"role":"user","content":"hi"},{"sku":"A-1"}]""")]
    [InlineData("""{"role":"admin","userId":7}""")]
    [InlineData("""{"messages":[]}""")]
    [InlineData("""{"messages":["hello"]}""")]
    [InlineData("""[1,2,3]""")]
    public void WhatIsNotAConversation_IsNotRead_AsOne(string json) => Assert.Null(Read(json));

    [Fact]
    public void RolesFromARun_NeverBecomeStyles()
    {
        var transcript = Read("""[{"role":"x\" onmouseover=\"alert(1)","content":"hi"},{"role":"Assistant","content":"hello"}]""")!;

        Assert.Equal(["other", "assistant"], transcript.Messages.Select(m => m.RoleStyle));
    }
}
