using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Runs.Access;
using Dashboard.Runs.Configuration;
using Dashboard.Runs.Otlp;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs.Tests;

/// <summary>
/// The runs service with model calls' spans waiting long for their content events (so that a slow machine never runs
/// out of it in a test), saying so in its log.
/// </summary>
public sealed class OtlpContentWaitFixture : RunsServiceFixture
{
    protected override IEnumerable<string> Arguments =>
        [.. base.Arguments, "--Runs:OtlpContentWaitMs", "30000", "--Logging:LogLevel:Dashboard.Runs.Otlp.OtlpContentWait", "Debug"];
}

/// <summary>
/// A model call's span and its GenAI content events leave an SDK in the same tick, and the span may come first: the
/// call's prompt and answer must still be its step's input and output.
/// </summary>
public sealed class OtlpContentWaitTests(OtlpContentWaitFixture fixture) : IClassFixture<OtlpContentWaitFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    internal static string TraceId() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    private static string Service(string name) => $$$"""{"key":"service.name","value":{"stringValue":"{{{name}}}"}}""";

    private async Task<HttpResponseMessage> PostAsync(string path, string json) =>
        await fixture.Http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), Token);

    internal static string Logs(string service, params string[] records) =>
        $$"""{"resourceLogs":[{"resource":{"attributes":[{{Service(service)}}]},"scopeLogs":[{"logRecords":[{{string.Join(",", records)}}]}]}]}""";

    /// <summary>One model call (a chat span, no content of its own) of a trace whose root has not ended.</summary>
    internal static string ChatSpan(string service, string traceId, long now) => $$$"""
        {"resourceSpans":[{"resource":{"attributes":[{{{Service(service)}}}]},"scopeSpans":[{"spans":[
            {"traceId":"{{{traceId}}}","spanId":"00000000000000b2","parentSpanId":"00000000000000a1","name":"triage",
             "startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + 5_000_000}}}",
             "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}}]}]}]}]}
        """;

    private static string Content(string traceId, long now, string name, string body, int i) =>
        $$$"""{"timeUnixNano":"{{{now + i}}}","eventName":"{{{name}}}","body":{{{body}}},"traceId":"{{{traceId}}}","spanId":"00000000000000b2"}""";

    internal static string UserMessage(string traceId, long now, string text) =>
        Content(traceId, now, "gen_ai.user.message", $$$"""{"kvlistValue":{"values":[{"key":"content","value":{"stringValue":"{{{text}}}"}}]}}""", 1);

    internal static string Choice(string traceId, long now, string text) =>
        Content(traceId, now, "gen_ai.choice", $$$$"""{"kvlistValue":{"values":[{"key":"index","value":{"intValue":"0"}},{"key":"message","value":{"kvlistValue":{"values":[{"key":"role","value":{"stringValue":"assistant"}},{"key":"content","value":{"stringValue":"{{{{text}}}}"}}]}}}]}}""", 2);

    private bool SaidWaiting(string traceId) =>
        fixture.Service.Output.Any(l => l.Contains(traceId, StringComparison.Ordinal) && l.Contains("waiting up to", StringComparison.Ordinal));

    private async Task UntilAsync(Func<bool> done, string what)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (!done())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"Timed out waiting for {what}. The service's log:\n{string.Join("\n", fixture.Service.Output.TakeLast(8))}");
            await Task.Delay(50, Token);
        }
    }

    [Fact]
    public async Task AModelCallsSpan_ThatComesBeforeItsContentEvents_StillGetsThemAsItsInputAndOutput()
    {
        var service = "content-agent-" + Guid.NewGuid().ToString("N")[..8];
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        // The service has sent content events before (of another call): its calls' content is to be waited for.
        var earlier = TraceId();
        using (var learnt = await PostAsync("v1/logs", Logs(service, UserMessage(earlier, now, "an earlier call"))))
        {
            Assert.Equal(HttpStatusCode.OK, learnt.StatusCode);
        }
        var traceId = TraceId();

        // The span first; its content only once the service is waiting for it.
        var spans = PostAsync("v1/traces", ChatSpan(service, traceId, now));
        await UntilAsync(() => SaidWaiting(traceId), "the service to wait for the call's content");
        Assert.False(spans.IsCompleted);
        using (var logs = await PostAsync("v1/logs", Logs(service, UserMessage(traceId, now, "<b>My order</b> never came"), Choice(traceId, now, "Refund it."))))
        {
            Assert.Equal(HttpStatusCode.OK, logs.StatusCode);
        }
        using (var stored = await spans)
        {
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
            Assert.DoesNotContain("partialSuccess", await stored.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        }

        var step = await fixture.Http.GetJsonAsync($"api/runs/{traceId}/steps/triage/trace?attempt=latest");
        var input = Assert.Single(step.GetProperty("inputContext").EnumerateArray());
        Assert.Equal(("user", "<b>My order</b> never came"), (input.GetProperty("role").GetString(), input.GetProperty("content").GetString()));
        Assert.Equal("Refund it.", step.GetProperty("outputContext").GetProperty("message").GetProperty("content").GetString());
        // The prompt and answer are the step's payloads, not log lines.
        Assert.Empty((await fixture.Http.GetJsonAsync($"api/runs/{traceId}/logs")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task AServiceThatNeverSentContentEvents_HasItsModelCallsStoredAtOnce()
    {
        var traceId = TraceId();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;

        using (var stored = await PostAsync("v1/traces", ChatSpan("quiet-agent-" + Guid.NewGuid().ToString("N")[..8], traceId, now)))
        {
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }

        Assert.False(SaidWaiting(traceId));
        var step = await fixture.Http.GetJsonAsync($"api/runs/{traceId}/steps/triage/trace?attempt=latest");
        Assert.Equal("completed", step.GetProperty("status").GetString());
        Assert.False(step.TryGetProperty("inputContext", out var input) && input.ValueKind != JsonValueKind.Null);
    }
}

/// <summary>A service whose content does not come stops being waited for a while (an exporter sends one batch at a time).</summary>
public sealed class OtlpContentWaitPauseTests
{
    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly DateTimeOffset Start = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static OtlpSpan ChatSpan(string trace) =>
        new(trace, "b2", "a1", "chat", 0, Start, Start.AddSeconds(1), new Dictionary<string, JsonNode?> { ["gen_ai.operation.name"] = "chat" },
            new Dictionary<string, JsonNode?> { ["service.name"] = "svc" }, [], false, null);

    private static OtlpLogRecord Content(string trace) =>
        new(trace, "b2", null, Start, "info", "", new Dictionary<string, JsonNode?>(), "e-" + trace) { EventName = "gen_ai.user.message", ServiceName = "svc" };

    [Fact]
    public async Task ThreeWaitsInARowThatCameToNothing_PauseTheServicesWaits_ForAMinute()
    {
        var options = new RunsOptions { OtlpContentWaitMs = 20 };
        var clock = new ManualTime(Start);
        var hold = new OtlpLogHold(TimeProvider.System, TimeSpan.FromMinutes(2));
        var wait = new OtlpContentWait(hold, Options.Create(options), clock, NullLogger<OtlpContentWait>.Instance);
        wait.Learn([Content("learnt")]);

        for (var i = 0; i < 3; i++)
        {
            await wait.BeforeStoringAsync([ChatSpan($"t{i}")], Token);
        }
        // Paused: even a wait of an hour is not waited.
        options.OtlpContentWaitMs = 3_600_000;
        await wait.BeforeStoringAsync([ChatSpan("t3")], Token).WaitAsync(TimeSpan.FromSeconds(30), Token);

        // A minute on, the service's calls are waited for again, until their content comes.
        clock.Now = Start.AddMinutes(1);
        var waiting = wait.BeforeStoringAsync([ChatSpan("t4")], Token);
        Assert.False(waiting.IsCompleted);
        hold.Add([Content("t4")], new Caller("engine", new HashSet<string> { Caller.IngestScope }, null));
        await waiting.WaitAsync(TimeSpan.FromSeconds(30), Token);
    }
}
