using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Dashboard.Runs.Tests;

/// <summary>
/// OTLP logs in: records sent by the OpenTelemetry .NET SDK's own exporters (HTTP/protobuf) become log lines of the run
/// their trace became, on the step their span became, whether they come before the spans or after.
/// </summary>
public abstract class OtlpLogsTests(RunsServiceFixture fixture)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private (ActivitySource Source, TracerProvider Provider) Tracer(bool eachSpan) => OtlpSdk.Tracer(fixture.Service.BaseAddress, eachSpan, "agent-service", []);

    /// <summary>
    /// A logger that exports each record as it is written (simple), or all of them when it is disposed (batch); with the
    /// SDK's defaults, which send a message's template as its body and its values as attributes.
    /// </summary>
    private ILoggerFactory Loggers(bool eachRecord) => LoggerFactory.Create(builder => builder.AddOpenTelemetry(options =>
    {
        options.SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("agent-service"));
        options.AddOtlpExporter((exporter, processor) =>
        {
            exporter.Endpoint = new Uri(fixture.Service.BaseAddress, "v1/logs");
            exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
            processor.ExportProcessorType = eachRecord ? ExportProcessorType.Simple : ExportProcessorType.Batch;
        });
    }));

    private async Task<List<JsonElement>> LogsAsync(string runId) =>
        (await fixture.Http.GetJsonAsync($"api/runs/{runId}/logs")).GetProperty("items").EnumerateArray().ToList();

    [Fact]
    public async Task ASpanWithCountsPastTheLimits_KeepsItsStepWithoutThem_AndAServiceNameOfThousandsOfCharactersIsTaken()
    {
        // Token counts or a cost the runs API refuses (UsageCheck) made the whole trace rejected; a service name of 3,000
        // random characters did not fit PostgreSQL's index of the services that send logs (a 500 for the export).
        var random = new Random(21);
        var service = string.Concat(Enumerable.Range(0, 3_000).Select(_ => (char)('a' + random.Next(26))));
        var traceId = OtlpContentWaitTests.TraceId();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var spans = $$$"""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"{{{service}}}"}}]},"scopeSpans":[{"spans":[
                {"traceId":"{{{traceId}}}","spanId":"00000000000000a1","name":"plan","startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + 9_000_000}}}"},
                {"traceId":"{{{traceId}}}","spanId":"00000000000000b2","parentSpanId":"00000000000000a1","name":"llm",
                 "startTimeUnixNano":"{{{now + 1_000_000}}}","endTimeUnixNano":"{{{now + 5_000_000}}}",
                 "attributes":[{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"5000000000000"}},
                   {"key":"gen_ai.usage.output_tokens","value":{"intValue":"10"}},{"key":"gen_ai.usage.cost","value":{"doubleValue":1e9}}]}]}]}]}
            """;
        // The log record first: its service is remembered as one that sends logs, and the record waits for its span.
        var logs = OtlpContentWaitTests.Logs(service, $$$"""{"timeUnixNano":"{{{now + 2_000_000}}}","severityText":"INFO","body":{"stringValue":"calling the model"},"traceId":"{{{traceId}}}","spanId":"00000000000000b2"}""");
        var logged = await fixture.Http.PostAsync("v1/logs", new StringContent(logs, Encoding.UTF8, "application/json"), Token);
        Assert.Equal(HttpStatusCode.OK, logged.StatusCode);
        var loggedBody = await logged.Content.ReadAsStringAsync(Token);
        Assert.True(!loggedBody.Contains("rejected", StringComparison.OrdinalIgnoreCase), loggedBody);

        var traced = await fixture.Http.PostAsync("v1/traces", new StringContent(spans, Encoding.UTF8, "application/json"), Token);
        Assert.Equal(HttpStatusCode.OK, traced.StatusCode);
        var tracedBody = await traced.Content.ReadAsStringAsync(Token);
        Assert.True(!tracedBody.Contains("rejected", StringComparison.OrdinalIgnoreCase), tracedBody);
        var llm = Assert.Single((await fixture.Http.GetJsonAsync($"api/runs/{traceId}/trace")).GetProperty("steps").EnumerateArray(),
            step => step.GetProperty("stepId").GetString() == "llm");
        Assert.False(llm.TryGetProperty("costUsd", out _));
        Assert.False(llm.TryGetProperty("tokens", out _));
        // The waiting record joins its span as the spans come in; waited for, not expected with the answer.
        var lines = await LogsAsync(traceId);
        for (var tries = 0; lines.Count == 0 && tries < 200; tries++)
        {
            await Task.Delay(50, Token);
            lines = await LogsAsync(traceId);
        }
        Assert.Equal("calling the model", Assert.Single(lines).GetProperty("message").GetString());
    }

    [Fact]
    public async Task LogsSentAfterTheirSpans_AreLinesOfTheirStep_AndOfTheRun()
    {
        var (source, provider) = Tracer(eachSpan: true);
        string traceId;
        using (var root = source.StartActivity("lookup-flow")!)
        {
            traceId = root.TraceId.ToHexString();
            var loggers = Loggers(eachRecord: false);
            var logger = loggers.CreateLogger("agent");
            using (source.StartActivity("fetch"))
            {
                logger.LogWarning("retrying {Url}", "https://orders.example/42");
            }
            logger.LogInformation("fetched the order");
            // The step's span went on its end; the records go now, after it.
            loggers.Dispose();

            var lines = await LogsAsync(traceId);
            Assert.Equal(2, lines.Count);
            Assert.Equal(("warn", "retrying https://orders.example/42", "fetch", 1),
                (lines[0].GetProperty("level").GetString(), lines[0].GetProperty("message").GetString(), lines[0].GetProperty("stepId").GetString(), lines[0].GetProperty("attempt").GetInt32()));
            Assert.Equal("https://orders.example/42", lines[0].GetProperty("fields").GetProperty("Url").GetString());
            Assert.False(lines[0].GetProperty("fields").TryGetProperty("{OriginalFormat}", out _));
            // Written in the root's span: the run's own line.
            Assert.Equal("fetched the order", lines[1].GetProperty("message").GetString());
            Assert.False(lines[1].TryGetProperty("stepId", out _));
        }
        provider.Dispose();
        Assert.Equal("completed", (await fixture.Http.GetEndedRunAsync(traceId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task LogsSentBeforeTheirSpans_MakeNoRun_AndJoinTheirStepsWhenTheSpansCome()
    {
        var (source, provider) = Tracer(eachSpan: false);
        using var loggers = Loggers(eachRecord: true);
        var logger = loggers.CreateLogger("agent");
        string traceId;
        using (var root = source.StartActivity("refund-flow")!)
        {
            traceId = root.TraceId.ToHexString();
            using (source.StartActivity("plan"))
            {
                logger.LogInformation("planning {Topic}", "refunds");
            }
            using (var check = source.StartActivity("check")!)
            {
                check.SetTag("step.attempt", 2);
                logger.LogError("the ledger said no");
            }
            logger.LogInformation("answered");
        }
        // Every record went as it was written; the spans have not.
        var (status, _) = await fixture.Http.GetErrorAsync($"api/runs/{traceId}");
        Assert.Equal(404, status);

        Assert.True(provider.ForceFlush(10_000));
        provider.Dispose();

        var run = await fixture.Http.GetEndedRunAsync(traceId);
        Assert.Equal("completed", run.GetProperty("status").GetString());
        var lines = await LogsAsync(traceId);
        Assert.Equal(["planning refunds", "the ledger said no", "answered"], lines.Select(l => l.GetProperty("message").GetString()));
        Assert.Equal(("plan", 1), (lines[0].GetProperty("stepId").GetString(), lines[0].GetProperty("attempt").GetInt32()));
        Assert.Equal(("check", 2, "error"), (lines[1].GetProperty("stepId").GetString(), lines[1].GetProperty("attempt").GetInt32(), lines[1].GetProperty("level").GetString()));
        Assert.False(lines[2].TryGetProperty("stepId", out _));
    }

    private static string TraceId() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    private static long Nanos(DateTimeOffset at) => at.ToUnixTimeMilliseconds() * 1_000_000;

    /// <summary>A run that stays open: one step's span in, its root not.</summary>
    private async Task<string> OpenRunAsync(string traceId, string stepSpan = "00000000000000b2")
    {
        var now = Nanos(DateTimeOffset.UtcNow);
        var json = $$$"""
            {"resourceSpans":[{"scopeSpans":[{"spans":[
                {"traceId":"{{{traceId}}}","spanId":"{{{stepSpan}}}","parentSpanId":"00000000000000a1","name":"classify",
                 "startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + 2_000_000}}}"}]}]}]}
            """;
        using var response = await fixture.Http.PostAsync("v1/traces", new StringContent(json, Encoding.UTF8, "application/json"), Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return traceId;
    }

    private async Task<JsonElement> PostLogsAsync(string recordsJson, string? resourceAttributes = null)
    {
        var json = $$"""{"resourceLogs":[{"resource":{"attributes":[{{resourceAttributes ?? ""}}]},"scopeLogs":[{"scope":{"name":"manual"},"logRecords":[{{recordsJson}}]}]}]}""";
        using var response = await fixture.Http.PostAsync("v1/logs", new StringContent(json, Encoding.UTF8, "application/json"), Token);
        var body = await response.Content.ReadAsStringAsync(Token);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task AJsonExport_MapsSeverities_AndStructuredBodies_AndIsStoredOnceWhenSentAgain()
    {
        var traceId = await OpenRunAsync(TraceId());
        var at = Nanos(DateTimeOffset.UtcNow);
        string Record(int severity, string text, string body, int i) =>
            $$$"""{"timeUnixNano":"{{{at + i}}}","severityNumber":{{{severity}}},"severityText":"{{{text}}}","body":{{{body}}},"traceId":"{{{traceId}}}","spanId":"00000000000000b2","attributes":[{"key":"i","value":{"intValue":"{{{i}}}"}}]}""";
        var records = string.Join(",",
            Record(5, "Debug", """{"stringValue":"cache miss"}""", 1),
            Record(13, "Warning", """{"stringValue":"slow answer"}""", 2),
            Record(17, "Error", """{"stringValue":"<script>alert(1)</script>"}""", 3),
            Record(21, "Fatal", """{"kvlistValue":{"values":[{"key":"code","value":{"intValue":"7"}}]}}""", 4),
            Record(0, "WARNING", """{"stringValue":"no number, a text"}""", 5),
            // A structured body is shown as the JSON it is, its text as written (no \u003C, no escaped accents).
            Record(9, "Info", """{"kvlistValue":{"values":[{"key":"q","value":{"stringValue":"<b> & café 東京"}}]}}""", 6));

        var first = await PostLogsAsync(records);
        var again = await PostLogsAsync(records);

        Assert.False(first.TryGetProperty("partialSuccess", out _));
        Assert.False(again.TryGetProperty("partialSuccess", out _));
        var lines = await LogsAsync(traceId);
        Assert.Equal(["debug", "warn", "error", "error", "warn", "info"], lines.Select(l => l.GetProperty("level").GetString()));
        Assert.Equal(["cache miss", "slow answer", "<script>alert(1)</script>", """{"code":7}""", "no number, a text", """{"q":"<b> & café 東京"}"""],
            lines.Select(l => l.GetProperty("message").GetString()));
        Assert.All(lines, l => Assert.Equal("classify", l.GetProperty("stepId").GetString()));
        Assert.Equal([1, 2, 3, 4, 5, 6], lines.Select(l => l.GetProperty("fields").GetProperty("i").GetInt32()));
    }

    private async Task PostSpansAsync(string traceId, long now, params string[] stepSpans)
    {
        var steps = string.Join(",", stepSpans.Select((span, i) => $$$"""
            {"traceId":"{{{traceId}}}","spanId":"{{{span}}}","parentSpanId":"00000000000000a1","name":"chat-{{{i}}}",
             "startTimeUnixNano":"{{{now + i * 10_000_000}}}","endTimeUnixNano":"{{{now + i * 10_000_000 + 5_000_000}}}",
             "attributes":[{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}}]}
            """));
        var json = $$$"""
            {"resourceSpans":[{"scopeSpans":[{"spans":[{{{steps}}},
                {"traceId":"{{{traceId}}}","spanId":"00000000000000a1","name":"genai-flow","startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + 90_000_000}}}"}]}]}]}
            """;
        using var response = await fixture.Http.PostAsync("v1/traces", new StringContent(json, Encoding.UTF8, "application/json"), Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task PostTracesAsync(string json)
    {
        using var response = await fixture.Http.PostAsync("v1/traces", new StringContent(json, Encoding.UTF8, "application/json"), Token);
        var body = await response.Content.ReadAsStringAsync(Token);
        Assert.True(response.StatusCode == HttpStatusCode.OK && !body.Contains("partialSuccess", StringComparison.Ordinal), body);
    }

    private async Task<JsonElement> StepAsync(string runId, string stepId) =>
        await fixture.Http.GetJsonAsync($"api/runs/{runId}/steps/{stepId}/trace?attempt=latest");

    [Fact]
    public async Task GenAiMessageEvents_SentBeforeTheirSpans_AreTheStepsInputAndOutput_NotLogLines()
    {
        var traceId = TraceId();
        var now = Nanos(DateTimeOffset.UtcNow);
        string Event(string name, string body, int i, string span = "00000000000000b2") =>
            $$$"""{"timeUnixNano":"{{{now + i}}}","eventName":"{{{name}}}","body":{{{body}}},"traceId":"{{{traceId}}}","spanId":"{{{span}}}"}""";
        var details = """
            {"key":"gen_ai.input.messages","value":{"stringValue":"[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Summarise it\"}]}]"}},
            {"key":"gen_ai.output.messages","value":{"stringValue":"[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"Done.\"}],\"finish_reason\":\"stop\"}]"}}
            """;
        // As the OpenAI instrumentation sends them (one event per message, then the answer); the step's own log line besides.
        await PostLogsAsync(string.Join(",",
            Event("gen_ai.system.message", """{"kvlistValue":{"values":[{"key":"content","value":{"stringValue":"You triage tickets."}}]}}""", 1),
            Event("gen_ai.user.message", """{"kvlistValue":{"values":[{"key":"content","value":{"stringValue":"<script>alert(1)</script> is broken"}}]}}""", 2),
            Event("gen_ai.choice", """{"kvlistValue":{"values":[{"key":"index","value":{"intValue":"0"}},{"key":"finish_reason","value":{"stringValue":"stop"}},{"key":"message","value":{"kvlistValue":{"values":[{"key":"role","value":{"stringValue":"assistant"}},{"key":"content","value":{"stringValue":"Route to web team."}}]}}}]}}""", 3),
            $$"""{"timeUnixNano":"{{now + 4}}","body":{"stringValue":"classified"},"traceId":"{{traceId}}","spanId":"00000000000000b2"}""",
            // The current convention: one event with both sides as attributes (JSON text here).
            $$$"""{"timeUnixNano":"{{{now + 5}}}","eventName":"gen_ai.client.inference.operation.details","traceId":"{{{traceId}}}","spanId":"00000000000000b3","attributes":[{{{details}}}]}"""));
        await PostSpansAsync(traceId, now, "00000000000000b2", "00000000000000b3");

        var first = await StepAsync(traceId, "chat-0");
        var input = first.GetProperty("inputContext").EnumerateArray().ToList();
        Assert.Equal([("system", "You triage tickets."), ("user", "<script>alert(1)</script> is broken")],
            input.Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString())));
        Assert.Equal(("stop", "Route to web team."), (first.GetProperty("outputContext").GetProperty("finish_reason").GetString(),
            first.GetProperty("outputContext").GetProperty("message").GetProperty("content").GetString()));

        var second = await StepAsync(traceId, "chat-1");
        Assert.Equal("Summarise it", second.GetProperty("inputContext")[0].GetProperty("parts")[0].GetProperty("content").GetString());
        Assert.Equal("Done.", second.GetProperty("outputContext")[0].GetProperty("parts")[0].GetProperty("content").GetString());

        // The prompts and answers are the steps' payloads; the ordinary line stays a line.
        var lines = await LogsAsync(traceId);
        Assert.Equal(["classified"], lines.Select(l => l.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task ARecordNamingARunId_GoesToThatRun()
    {
        var traceId = TraceId();
        var runId = "otlp-named-" + Guid.NewGuid().ToString("N")[..8];
        var now = Nanos(DateTimeOffset.UtcNow);
        var spans = $$$"""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"run.id","value":{"stringValue":"{{{runId}}}"}}]},"scopeSpans":[{"spans":[
                {"traceId":"{{{traceId}}}","spanId":"00000000000000b3","parentSpanId":"00000000000000a1","name":"draft",
                 "startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + 1_000_000}}}"}]}]}]}
            """;
        using (var response = await fixture.Http.PostAsync("v1/traces", new StringContent(spans, Encoding.UTF8, "application/json"), Token))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // One record names the run on its resource, the other only its trace (which the spans said is that run's).
        await PostLogsAsync($$"""{"timeUnixNano":"{{now}}","body":{"stringValue":"named"},"traceId":"{{traceId}}","spanId":"00000000000000b3"}""",
            $$$"""{"key":"run.id","value":{"stringValue":"{{{runId}}}"}}""");
        await PostLogsAsync($$"""{"timeUnixNano":"{{now + 1}}","body":{"stringValue":"by its trace"},"traceId":"{{traceId}}"}""");

        var lines = await LogsAsync(runId);
        Assert.Equal(["named", "by its trace"], lines.Select(l => l.GetProperty("message").GetString()));
        Assert.Equal("draft", lines[0].GetProperty("stepId").GetString());
        Assert.Equal(404, (await fixture.Http.GetErrorAsync($"api/runs/{traceId}")).Status);
    }

    [Fact]
    public async Task ARunIdSetOnTheRootOnly_ArrivingAfterItsChildren_DoesNotSplitTheTrace_NorItsLogLines()
    {
        // The usual way to name a run: a tag on the root span, which an SDK exports last, when the run ends.
        var (source, provider) = Tracer(eachSpan: true);
        var namedRunId = "otlp-late-" + Guid.NewGuid().ToString("N")[..8];
        string traceId;
        using (var root = source.StartActivity("late-name-flow")!)
        {
            traceId = root.TraceId.ToHexString();
            using (source.StartActivity("first"))
            {
            }
            Assert.Equal("running", (await fixture.Http.GetJsonAsync($"api/runs/{traceId}")).GetProperty("status").GetString());
            string secondSpan;
            using (var second = source.StartActivity("second")!)
            {
                secondSpan = second.SpanId.ToHexString();
            }
            // A line of the second step whose resource names the run the root will name.
            await PostLogsAsync($$"""{"timeUnixNano":"{{Nanos(DateTimeOffset.UtcNow)}}","body":{"stringValue":"named late"},"traceId":"{{traceId}}","spanId":"{{secondSpan}}"}""",
                $$$"""{"key":"run.id","value":{"stringValue":"{{{namedRunId}}}"}}""");
            root.SetTag("run.id", namedRunId);
        }
        provider.Dispose();

        // One run with both steps and the line, ended with its root; none under the name that came too late.
        Assert.Equal("completed", (await fixture.Http.GetEndedRunAsync(traceId)).GetProperty("status").GetString());
        var steps = (await fixture.Http.GetJsonAsync($"api/runs/{traceId}/trace")).GetProperty("steps").EnumerateArray();
        Assert.Equal(["first", "second"], steps.Select(s => s.GetProperty("stepId").GetString()));
        var line = Assert.Single(await LogsAsync(traceId));
        Assert.Equal(("named late", "second"), (line.GetProperty("message").GetString(), line.GetProperty("stepId").GetString()));
        Assert.Equal(404, (await fixture.Http.GetErrorAsync($"api/runs/{namedRunId}")).Status);
        Assert.Contains(fixture.Service.Output, l => l.Contains($"run.id {namedRunId} came on the root span after its children", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnotherServiceInTheTrace_NamingItsOwnRun_StillMakesIt()
    {
        // A distributed trace: the caller's spans name no run (the trace id's run); the service it calls names its own.
        var traceId = TraceId();
        var calleeRunId = "otlp-callee-" + Guid.NewGuid().ToString("N")[..8];
        var now = Nanos(DateTimeOffset.UtcNow);
        async Task PostAsync(string json)
        {
            using var response = await fixture.Http.PostAsync("v1/traces", new StringContent(json, Encoding.UTF8, "application/json"), Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        await PostAsync($$$"""
            {"resourceSpans":[{"scopeSpans":[{"spans":[
                {"traceId":"{{{traceId}}}","spanId":"00000000000000b2","parentSpanId":"00000000000000a1","name":"call-pricing",
                 "startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + 5_000_000}}}"}]}]}]}
            """);
        await PostAsync($$$"""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"run.id","value":{"stringValue":"{{{calleeRunId}}}"}}]},"scopeSpans":[{"spans":[
                {"traceId":"{{{traceId}}}","spanId":"00000000000000c3","parentSpanId":"00000000000000b2","name":"price-quote",
                 "startTimeUnixNano":"{{{now + 1_000_000}}}","endTimeUnixNano":"{{{now + 4_000_000}}}"}]}]}]}
            """);

        var callee = (await fixture.Http.GetJsonAsync($"api/runs/{calleeRunId}/trace")).GetProperty("steps").EnumerateArray();
        Assert.Equal(["price-quote"], callee.Select(s => s.GetProperty("stepId").GetString()));
        var caller = (await fixture.Http.GetJsonAsync($"api/runs/{traceId}/trace")).GetProperty("steps").EnumerateArray();
        Assert.Equal(["call-pricing"], caller.Select(s => s.GetProperty("stepId").GetString()));
    }

    [Fact]
    public async Task LogsAndSpansSentAtOnce_EndOnTheirSteps_WhicheverComesFirst()
    {
        var traces = Enumerable.Range(0, 30).Select(_ => TraceId()).ToList();
        var now = Nanos(DateTimeOffset.UtcNow);

        await Task.WhenAll(traces.Select(async traceId =>
        {
            var spans = $$$"""
                {"resourceSpans":[{"scopeSpans":[{"spans":[
                    {"traceId":"{{{traceId}}}","spanId":"00000000000000b2","parentSpanId":"00000000000000a1","name":"classify",
                     "startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + 2_000_000}}}"}]}]}]}
                """;
            var sendSpans = fixture.Http.PostAsync("v1/traces", new StringContent(spans, Encoding.UTF8, "application/json"), Token);
            var sendLogs = PostLogsAsync($$"""{"timeUnixNano":"{{now + 1_000_000}}","body":{"stringValue":"classifying"},"traceId":"{{traceId}}","spanId":"00000000000000b2"}""");
            using var spansAnswer = await sendSpans;
            Assert.Equal(HttpStatusCode.OK, spansAnswer.StatusCode);
            Assert.False((await sendLogs).TryGetProperty("partialSuccess", out _));
        }));

        // Each record went in with its spans or after them, none left waiting for spans that had already come.
        foreach (var traceId in traces)
        {
            var line = Assert.Single(await LogsAsync(traceId));
            Assert.Equal(("classifying", "classify"), (line.GetProperty("message").GetString(), line.GetProperty("stepId").GetString()));
        }
    }

    [Fact]
    public async Task RecordsSentAfterTheRootSpan_ByAServiceThatSendsLogs_AreLinesOfTheRun_ThatEndsAtItsRootsEnd()
    {
        // An SDK's log exporter and span exporter tick apart: the run's last lines often come after the span that ends it.
        var traceId = TraceId();
        var service = """{"key":"service.name","value":{"stringValue":"late-logs-service"}}""";
        var started = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddSeconds(-2).ToUnixTimeMilliseconds());
        var now = Nanos(started);
        string Line(string message, long at, string span) =>
            $$"""{"timeUnixNano":"{{now + at}}","body":{"stringValue":"{{message}}"},"traceId":"{{traceId}}","spanId":"{{span}}"}""";
        await PostLogsAsync(Line("planning", 1_000_000, "00000000000000b2"), service);
        await PostTracesAsync($$$"""
            {"resourceSpans":[{"resource":{"attributes":[{{{service}}}]},"scopeSpans":[{"spans":[
                {"traceId":"{{{traceId}}}","spanId":"00000000000000b2","parentSpanId":"00000000000000a1","name":"plan",
                 "startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + 5_000_000}}}"},
                {"traceId":"{{{traceId}}}","spanId":"00000000000000a1","name":"late-logs-flow",
                 "startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + 9_000_000}}}"}]}]}]}
            """);

        // The root came, yet the run takes the lines its service sends after it.
        var answer = await PostLogsAsync(string.Join(",", Line("plan ready", 4_000_000, "00000000000000b2"), Line("answered", 8_000_000, "00000000000000a1")), service);
        Assert.False(answer.TryGetProperty("partialSuccess", out _), answer.ToString());

        var run = await fixture.Http.GetEndedRunAsync(traceId);
        Assert.Equal("completed", run.GetProperty("status").GetString());
        // Ended when its root span did, not when the end was appended.
        Assert.Equal(started.AddMilliseconds(9), run.GetProperty("completedAt").GetDateTimeOffset());
        var lines = await LogsAsync(traceId);
        Assert.Equal([("planning", "plan"), ("plan ready", "plan"), ("answered", null)],
            lines.Select(l => (l.GetProperty("message").GetString(), l.TryGetProperty("stepId", out var step) ? step.GetString() : null)));
    }

    [Fact]
    public async Task RecordsWithoutATrace_OrOfARunThatEnded_AreReportedAsPartialSuccess()
    {
        var traceId = TraceId();
        var now = Nanos(DateTimeOffset.UtcNow);
        var ended = $$$"""
            {"resourceSpans":[{"scopeSpans":[{"spans":[
                {"traceId":"{{{traceId}}}","spanId":"00000000000000a1","name":"short-flow","startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + 1_000_000}}}"}]}]}]}
            """;
        using (var response = await fixture.Http.PostAsync("v1/traces", new StringContent(ended, Encoding.UTF8, "application/json"), Token))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var answer = await PostLogsAsync(string.Join(",",
            """{"body":{"stringValue":"no trace at all"}}""",
            $$"""{"body":{"stringValue":"too late"},"traceId":"{{traceId}}","spanId":"00000000000000a1"}"""));

        var partial = answer.GetProperty("partialSuccess");
        Assert.Equal("2", partial.GetProperty("rejectedLogRecords").GetString());
        var message = partial.GetProperty("errorMessage").GetString();
        Assert.Contains("without a trace id", message, StringComparison.Ordinal);
        Assert.Contains("already ended", message, StringComparison.Ordinal);
        Assert.Empty(await LogsAsync(traceId));
    }
}

/// <summary>The runs service with OTLP log records waiting one second for their spans.</summary>
public sealed class OtlpShortWaitFixture : RunsServiceFixture
{
    protected override IEnumerable<string> Arguments => [.. base.Arguments, "--Runs:OtlpLogWaitSeconds", "1"];
}

/// <summary>The same on a PostgreSQL database of its own.</summary>
public sealed class PostgreSqlOtlpShortWaitFixture : RunsServiceFixture
{
    protected override IEnumerable<string> Arguments => [.. base.Arguments, "--Runs:OtlpLogWaitSeconds", "1"];

    protected override async Task<IEnumerable<string>> StorageArgumentsAsync() =>
        ["--Storage:Provider", "PostgreSql", "--ConnectionStrings:Runs", await Dashboard.Testing.SharedPostgres.NewDatabaseAsync("otlpwait")];
}

public sealed class SqliteOtlpLogWaitTests(OtlpShortWaitFixture fixture) : OtlpLogWaitTests(fixture), IClassFixture<OtlpShortWaitFixture>;
public sealed class PostgreSqlOtlpLogWaitTests(PostgreSqlOtlpShortWaitFixture fixture) : OtlpLogWaitTests(fixture), IClassFixture<PostgreSqlOtlpShortWaitFixture>;

/// <summary>What becomes of OTLP log records whose spans do not come in time.</summary>
public abstract class OtlpLogWaitTests(RunsServiceFixture fixture)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private async Task UntilAsync(Func<Task<bool>> done, string what)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (true)
        {
            if (await done())
            {
                return;
            }
            // What the service logged says why (a record dropped, a batch refused).
            Assert.True(DateTimeOffset.UtcNow < deadline, $"Timed out waiting for {what}. The service's log:\n{string.Join("\n", fixture.Service.Output.TakeLast(8))}");
            await Task.Delay(100, Token);
        }
    }

    private async Task PostAsync(string path, string json)
    {
        using var response = await fixture.Http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), Token);
        var body = await response.Content.ReadAsStringAsync(Token);
        Assert.True(response.StatusCode == HttpStatusCode.OK && !body.Contains("partialSuccess", StringComparison.Ordinal), body);
    }

    [Fact]
    public async Task RecordsOfATraceWhoseSpansNeverCome_AreDropped_AndMakeNoRun()
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

        await PostAsync("v1/logs", $$"""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"orphan"},"traceId":"{{traceId}}","spanId":"00000000000000c1"}]}]}]}""");

        await UntilAsync(() => Task.FromResult(fixture.Service.Output.Any(l => l.Contains(traceId, StringComparison.Ordinal) && l.Contains("dropped", StringComparison.Ordinal))),
            "the dropped records in the service's log");
        Assert.Equal(404, (await fixture.Http.GetErrorAsync($"api/runs/{traceId}")).Status);
        var list = await fixture.Http.GetJsonAsync("api/runs?limit=100");
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), r => r.GetProperty("id").GetString() == traceId);
    }

    /// <summary>A run made from a trace whose root has not come: open, with one step (<c>classify</c>).</summary>
    private async Task<(string TraceId, long Now)> OpenRunAsync()
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        await PostAsync("v1/traces", $$$"""
            {"resourceSpans":[{"scopeSpans":[{"spans":[
                {"traceId":"{{{traceId}}}","spanId":"00000000000000b2","parentSpanId":"00000000000000a1","name":"classify",
                 "startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + 2_000_000}}}"}]}]}]}
            """);
        return (traceId, now);
    }

    [Fact]
    public async Task ARecordOfASpanThatNeverComes_BecomesALineOfItsOpenRun_KeepingTheSpansId()
    {
        var (traceId, _) = await OpenRunAsync();

        await PostAsync("v1/logs", $$"""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"from a long step"},"traceId":"{{traceId}}","spanId":"00000000000000d4"}]}]}]}""");

        async Task<List<JsonElement>> Lines() => (await fixture.Http.GetJsonAsync($"api/runs/{traceId}/logs")).GetProperty("items").EnumerateArray().ToList();
        await UntilAsync(async () => (await Lines()).Count > 0, "the record as a line of the run");
        var found = Assert.Single(await Lines());
        Assert.Equal("from a long step", found.GetProperty("message").GetString());
        Assert.False(found.TryGetProperty("stepId", out _));
        Assert.Equal("00000000000000d4", found.GetProperty("fields").GetProperty("otel.spanId").GetString());
    }

    [Fact]
    public async Task TheRunsLinesOfASpanThatComesAfterTheirWait_MoveOntoTheStepItBecomes()
    {
        var (traceId, now) = await OpenRunAsync();
        // A long step's early lines (its span is exported when it ends), and one of a span that never comes.
        await PostAsync("v1/logs", $$$"""
            {"resourceLogs":[{"scopeLogs":[{"logRecords":[
                {"timeUnixNano":"{{{now + 3_000_000}}}","body":{"stringValue":"crawling <script>page</script> 1"},"traceId":"{{{traceId}}}","spanId":"00000000000000d4",
                 "attributes":[{"key":"page","value":{"intValue":"1"}}]},
                {"timeUnixNano":"{{{now + 4_000_000}}}","body":{"stringValue":"crawling page 2"},"traceId":"{{{traceId}}}","spanId":"00000000000000d4"},
                {"timeUnixNano":"{{{now + 5_000_000}}}","body":{"stringValue":"of a span that never comes"},"traceId":"{{{traceId}}}","spanId":"00000000000000e5"}]}]}]}
            """);
        async Task<List<JsonElement>> Lines(string query = "") =>
            (await fixture.Http.GetJsonAsync($"api/runs/{traceId}/logs{query}")).GetProperty("items").EnumerateArray().ToList();
        await UntilAsync(async () => (await Lines()).Count == 3, "the records as lines of the run");
        Assert.All(await Lines(), l => Assert.False(l.TryGetProperty("stepId", out _)));

        await PostAsync("v1/traces", $$$"""
            {"resourceSpans":[{"scopeSpans":[{"spans":[
                {"traceId":"{{{traceId}}}","spanId":"00000000000000d4","parentSpanId":"00000000000000a1","name":"crawl",
                 "startTimeUnixNano":"{{{now + 2_500_000}}}","endTimeUnixNano":"{{{now + 9_000_000}}}"}]}]}]}
            """);

        await UntilAsync(async () => (await Lines("?stepId=crawl")).Count == 2, "the long step's lines on its step");
        var all = await Lines();
        Assert.Equal(["crawling <script>page</script> 1", "crawling page 2", "of a span that never comes"], all.Select(l => l.GetProperty("message").GetString()));
        // As they would have been had the span come in time: on the step's attempt, without the span's id; the other stays.
        Assert.All(all.Take(2), l => Assert.Equal(("crawl", 1), (l.GetProperty("stepId").GetString(), l.GetProperty("attempt").GetInt32())));
        Assert.Equal(1, all[0].GetProperty("fields").GetProperty("page").GetInt32());
        Assert.False(all[0].GetProperty("fields").TryGetProperty("otel.spanId", out _));
        Assert.False(all[1].TryGetProperty("fields", out _));
        Assert.False(all[2].TryGetProperty("stepId", out _));
        Assert.Equal("00000000000000e5", all[2].GetProperty("fields").GetProperty("otel.spanId").GetString());
        Assert.Equal(2, (await Lines("?stepId=crawl&attempt=1")).Count);
        // And the search finds them on the step (the index had them as lines of the run).
        var hits = (await fixture.Http.GetJsonAsync("api/search?q=crawling")).GetProperty("items").EnumerateArray()
            .Where(h => h.GetProperty("runId").GetString() == traceId).ToList();
        Assert.Equal(2, hits.Count);
        Assert.All(hits, h => Assert.Equal(("log", "crawl", 1), (h.GetProperty("field").GetString(), h.GetProperty("stepId").GetString(), h.GetProperty("attempt").GetInt32())));
    }
}
