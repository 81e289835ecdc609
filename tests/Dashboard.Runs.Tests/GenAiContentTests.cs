using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Model.Events;
using Dashboard.Runs.Otlp;

namespace Dashboard.Runs.Tests;

/// <summary>GenAI message events of a span as its step's input and output (pure; the service's path is in OtlpLogsTests).</summary>
public sealed class GenAiContentTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);

    private static OtlpLogRecord Event(string name, JsonNode? body, int order, string span = "b2") =>
        new("t1", span, null, At.AddMilliseconds(order), "info", "", new Dictionary<string, JsonNode?>(), $"e{order}") { EventName = name, Body = body };

    private static List<RunEvent> StepOf(string span, JsonElement? input = null, JsonElement? output = null) =>
    [
        new StepStarted { EventId = $"otel:{span}:start", Timestamp = At, StepId = "chat", Input = input },
        new StepCompleted { EventId = $"otel:{span}:end", Timestamp = At.AddSeconds(1), StepId = "chat", Output = output },
    ];

    private static OtlpSpan Span(Dictionary<string, JsonNode?> attributes, params string[] eventNames) =>
        new("t1", "b2", "a1", "call", 0, At, At.AddSeconds(1), attributes, new Dictionary<string, JsonNode?>(),
            eventNames.Select(n => new OtlpSpanEvent(At, n, new Dictionary<string, JsonNode?>())).ToList(), false, null);

    [Fact]
    public void AModelCallsSpan_LacksContent_OnlyWhenItCarriesNeitherPromptNorAnswer()
    {
        Assert.True(GenAiContent.LacksContent(Span(new() { ["gen_ai.operation.name"] = "chat" })));
        Assert.True(GenAiContent.LacksContent(Span(new() { ["gen_ai.request.model"] = "gpt-4o" })));
        // Its prompt on the span, as an attribute or as the older conventions' span events.
        Assert.False(GenAiContent.LacksContent(Span(new() { ["gen_ai.operation.name"] = "chat", ["gen_ai.input.messages"] = "[]" })));
        Assert.False(GenAiContent.LacksContent(Span(new() { ["gen_ai.operation.name"] = "chat" }, "gen_ai.content.prompt")));
        // Not a call that has messages: embeddings, a tool, a span that is no model call at all.
        Assert.False(GenAiContent.LacksContent(Span(new() { ["gen_ai.operation.name"] = "embeddings", ["gen_ai.request.model"] = "e5" })));
        Assert.False(GenAiContent.LacksContent(Span(new() { ["gen_ai.operation.name"] = "execute_tool" })));
        Assert.False(GenAiContent.LacksContent(Span(new() { ["http.method"] = "GET" })));
    }

    [Fact]
    public void MessagesWithoutARole_TakeTheirEventsRole_AndSeveralChoices_AreAnArrayInTheirOrder()
    {
        var records = new[]
        {
            Event("gen_ai.user.message", new JsonObject { ["content"] = "hi" }, 1),
            Event("gen_ai.tool.message", new JsonObject { ["role"] = "function", ["content"] = "42", ["id"] = "call_1" }, 2),
            Event("gen_ai.choice", new JsonObject { ["index"] = 1, ["message"] = new JsonObject { ["content"] = "second" } }, 3),
            Event("gen_ai.choice", new JsonObject { ["index"] = 0, ["message"] = new JsonObject { ["content"] = "first" } }, 4),
        };

        var (events, used) = GenAiContent.Apply(StepOf("b2"), records);

        var input = ((StepStarted)events[0]).Input!.Value;
        Assert.Equal(["user", "function"], input.EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("call_1", input[1].GetProperty("id").GetString());
        var output = ((StepCompleted)events[1]).Output!.Value;
        Assert.Equal(["first", "second"], output.EnumerateArray().Select(c => c.GetProperty("message").GetProperty("content").GetString()));
        Assert.Equal(4, used.Count);
    }

    [Fact]
    public void WhatTheSpanCarriedItself_IsKept_AndOtherSpansEventsAndOtherRecordsAreLeft()
    {
        var fromSpan = JsonSerializer.SerializeToElement(new { question = "from the span" });
        var records = new[]
        {
            Event("gen_ai.user.message", new JsonObject { ["content"] = "hi" }, 1),
            Event("gen_ai.choice", new JsonObject { ["message"] = new JsonObject { ["content"] = "answer" } }, 2),
            Event("gen_ai.user.message", new JsonObject { ["content"] = "elsewhere" }, 3, span: "c3"),
            Event("app.started", new JsonObject { ["content"] = "not a model's" }, 4),
        };

        var (events, used) = GenAiContent.Apply(StepOf("b2", input: fromSpan), records);

        Assert.Equal("from the span", ((StepStarted)events[0]).Input!.Value.GetProperty("question").GetString());
        Assert.Equal("answer", ((StepCompleted)events[1]).Output!.Value.GetProperty("message").GetProperty("content").GetString());
        // Only the answer was used: the prompt (the span had one), another span's and a non-GenAI event stay lines.
        Assert.Equal(["e2"], used.Select(r => r.EventId));
    }
}
