using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Dashboard.Runs.Tests;

/// <summary>The runs service with a price for gpt-4o-mini, for spans that carry tokens and no cost.</summary>
public sealed class OtlpServiceFixture : RunsServiceFixture
{
    protected override IEnumerable<string> Arguments =>
    [
        .. base.Arguments,
        "--Runs:ModelPrices:gpt-4o-mini:Input", "0.15", "--Runs:ModelPrices:gpt-4o-mini:CachedInput", "0.075", "--Runs:ModelPrices:gpt-4o-mini:Output", "0.6",
    ];
}

/// <summary>
/// OTLP in: traces sent by the OpenTelemetry .NET SDK's own exporter (HTTP/protobuf) become runs, read back through the
/// runs API.
/// </summary>
public sealed class OtlpTests(OtlpServiceFixture fixture) : IClassFixture<OtlpServiceFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private (ActivitySource Source, TracerProvider Provider) Tracer(bool eachSpan = false, string service = "agent-service", params KeyValuePair<string, object>[] resource) =>
        OtlpSdk.Tracer(fixture.Service.BaseAddress, eachSpan, service, resource);

    private async Task<JsonElement> StepAsync(string runId, string stepId, string attempt = "latest")
    {
        using var response = await fixture.Http.GetAsync($"api/runs/{runId}/steps/{stepId}/trace?attempt={attempt}", Token);
        var body = await response.Content.ReadAsStringAsync(Token);
        // The service logs why it refused a trace: shown with the failure.
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}\n{string.Join("\n", fixture.Service.Output.Where(l => !l.Contains("Content root", StringComparison.Ordinal)).TakeLast(6))}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task ATwoStepAgentRun_BecomesARun_WithModelTokensAndCost()
    {
        var (source, provider) = Tracer();
        string traceId, rootSpanId;
        using (var root = source.StartActivity("support-agent")!)
        {
            root.SetTag("input.value", """{"question":"Where is my order?"}""");
            traceId = root.TraceId.ToHexString();
            rootSpanId = root.SpanId.ToHexString();
            using (var planning = source.StartActivity("plan")!)
            {
                planning.SetTag("gen_ai.operation.name", "chat");
                planning.SetTag("gen_ai.request.model", "gpt-4o-mini");
                planning.SetTag("gen_ai.response.model", "gpt-4o-mini");
                planning.SetTag("gen_ai.usage.input_tokens", 1000);
                planning.SetTag("gen_ai.usage.cache_read.input_tokens", 400);
                planning.SetTag("gen_ai.usage.output_tokens", 50);
                planning.SetTag("output.value", "look up the order");
            }
            using (var answering = source.StartActivity("answer")!)
            {
                answering.SetTag("gen_ai.request.model", "claude-3-5-haiku");
                answering.SetTag("gen_ai.usage.input_tokens", 200);
                answering.SetTag("gen_ai.usage.output_tokens", 80);
                answering.SetTag("gen_ai.usage.cost", 0.0021);
            }
            root.SetTag("output.value", """{"answer":"It ships tomorrow."}""");
        }
        Assert.True(provider.ForceFlush(10_000));
        provider.Dispose();

        var run = await fixture.Http.GetJsonAsync($"api/runs/{traceId}");
        Assert.Equal("support-agent", run.GetProperty("workflowId").GetString());
        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal(rootSpanId, run.GetProperty("telemetrySpanId").GetString());
        Assert.Equal(traceId, run.GetProperty("metadata").GetProperty("otel.traceId").GetString());
        Assert.Equal("agent-service", run.GetProperty("metadata").GetProperty("service.name").GetString());
        Assert.Equal("Where is my order?", run.GetProperty("input").GetProperty("question").GetString());
        Assert.Equal("It ships tomorrow.", run.GetProperty("result").GetProperty("answer").GetString());
        Assert.Equal(1050 + 280, run.GetProperty("totalTokens").GetInt64());

        var plan = await StepAsync(traceId, "plan");
        Assert.Equal("gpt-4o-mini", plan.GetProperty("modelUsed").GetString());
        Assert.Equal((1000, 400, 50), (plan.GetProperty("tokens").GetProperty("prompt").GetInt64(), plan.GetProperty("tokens").GetProperty("cached").GetInt64(), plan.GetProperty("tokens").GetProperty("completion").GetInt64()));
        // From the price table: 600 input at 0.15, 400 cached at 0.075, 50 output at 0.6 per million.
        Assert.Equal(600 * 0.15m / 1_000_000 + 400 * 0.075m / 1_000_000 + 50 * 0.6m / 1_000_000, decimal.Parse(plan.GetProperty("costUsd").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("look up the order", plan.GetProperty("outputContext").GetString());
        var answer = await StepAsync(traceId, "answer");
        Assert.Equal(0.0021m, decimal.Parse(answer.GetProperty("costUsd").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task SpanNamesThatNoIdMayHold_AreMadeFit_AndTheTraceStillBecomesARun()
    {
        var (source, provider) = Tracer();
        string traceId;
        using (var root = source.StartActivity("support\u202Eagent")!)
        {
            traceId = root.TraceId.ToHexString();
            // A tool's name as a model wrote it: a line break, a right-to-left override, and far too long.
            using (source.StartActivity("tool: lookup\n\u202Eorder " + new string('x', 300))!)
            {
            }
        }
        Assert.True(provider.ForceFlush(10_000));
        provider.Dispose();

        var run = await fixture.Http.GetJsonAsync($"api/runs/{traceId}");
        // What is left of the name, and a mark of the whole name (distinct names stay distinct ids); shown without the mark.
        Assert.Matches("^supportagent~[0-9a-f]{8}$", run.GetProperty("workflowId").GetString());
        Assert.Equal("supportagent", run.GetProperty("workflowName").GetString());
        var step = Assert.Single((await fixture.Http.GetJsonAsync($"api/runs/{traceId}/trace")).GetProperty("steps").EnumerateArray());
        var stepId = step.GetProperty("stepId").GetString()!;
        Assert.Equal(256, stepId.Length);
        Assert.StartsWith("tool: lookuporder xxx", stepId, StringComparison.Ordinal);
        Assert.Matches("x~[0-9a-f]{8}$", stepId);
        Assert.Equal("tool: lookuporder " + new string('x', 300), step.GetProperty("stepName").GetString());
    }

    [Fact]
    public async Task SpansWhoseNamesDifferOnlyPastTheLongestId_AreTwoSteps_NotOneStepsIterations()
    {
        // Database spans are often named by their statement: two queries alike for their first 256 characters.
        var select = "SELECT id, customer_id, total, currency, status, created_at FROM orders WHERE " + string.Join(" AND ", Enumerable.Range(0, 12).Select(i => $"column_{i} = @p{i}"));
        Assert.True(select.Length > 300);
        var (source, provider) = Tracer();
        string traceId;
        using (var root = source.StartActivity("report-agent")!)
        {
            traceId = root.TraceId.ToHexString();
            using (source.StartActivity(select + " ORDER BY created_at")!)
            {
            }
            using (source.StartActivity(select + " ORDER BY total")!)
            {
            }
            using (source.StartActivity(select + " ORDER BY total")!)
            {
            }
        }
        Assert.True(provider.ForceFlush(10_000));
        provider.Dispose();

        var steps = (await fixture.Http.GetJsonAsync($"api/runs/{traceId}/trace")).GetProperty("steps").EnumerateArray()
            .Select(s => (Id: s.GetProperty("stepId").GetString()!, Name: s.GetProperty("stepName").GetString()!, Loop: s.TryGetProperty("loopIndex", out var loop) && loop.ValueKind == JsonValueKind.Number ? loop.GetInt32() : -1)).ToList();
        Assert.Equal(2, steps.Select(s => s.Id).Distinct().Count());
        Assert.All(steps, s => Assert.Equal(256, s.Id.Length));
        // The statement that ran twice is one step's two iterations, as spans of one name are; the other ran once.
        Assert.Equal([(select + " ORDER BY created_at", -1), (select + " ORDER BY total", 0), (select + " ORDER BY total", 1)],
            steps.Select(s => (s.Name, s.Loop)).OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Loop));
    }

    [Fact]
    public async Task AFailingSpanWithAnException_IsTheStepsAndTheRunsError()
    {
        var (source, provider) = Tracer();
        string traceId;
        using (var root = source.StartActivity("tool-agent")!)
        {
            traceId = root.TraceId.ToHexString();
            using (var tool = source.StartActivity("call-tool")!)
            {
                try
                {
                    throw new InvalidOperationException("tool exploded <b>badly</b>");
                }
                catch (InvalidOperationException ex)
                {
                    tool.AddException(ex);
                    tool.SetStatus(ActivityStatusCode.Error, ex.Message);
                }
            }
            root.SetStatus(ActivityStatusCode.Error, "the tool failed");
        }
        Assert.True(provider.ForceFlush(10_000));
        provider.Dispose();

        var run = await fixture.Http.GetJsonAsync($"api/runs/{traceId}");
        Assert.Equal("failed", run.GetProperty("status").GetString());
        var error = (await StepAsync(traceId, "call-tool")).GetProperty("errorContext");
        Assert.Equal("System.InvalidOperationException", error.GetProperty("type").GetString());
        Assert.Equal("tool exploded <b>badly</b>", error.GetProperty("message").GetString());
        Assert.Contains(nameof(AFailingSpanWithAnException_IsTheStepsAndTheRunsError), error.GetProperty("stack").GetString(), StringComparison.Ordinal);
        Assert.Equal("the tool failed", run.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task SpansOfOneStepWithAnAttempt_AreItsAttempts_AndOtherSpanEventsItsLogs()
    {
        var (source, provider) = Tracer();
        string traceId;
        using (var root = source.StartActivity("fetch-flow")!)
        {
            traceId = root.TraceId.ToHexString();
            using (var first = source.StartActivity("fetch")!)
            {
                first.SetTag("step.attempt", 1);
                first.AddEvent(new ActivityEvent("rate limited", tags: new ActivityTagsCollection { ["retry.after_ms"] = 250 }));
                first.SetStatus(ActivityStatusCode.Error, "429");
            }
            using (var second = source.StartActivity("fetch")!)
            {
                second.SetTag("step.attempt", 2);
            }
        }
        Assert.True(provider.ForceFlush(10_000));
        provider.Dispose();

        var attempts = (await StepAsync(traceId, "fetch", "all")).GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal(["failed", "completed"], attempts.Select(a => a.GetProperty("status").GetString()));
        Assert.True(attempts[0].GetProperty("willRetry").GetBoolean());
        var log = Assert.Single((await fixture.Http.GetJsonAsync($"api/runs/{traceId}/logs")).GetProperty("items").EnumerateArray());
        Assert.Equal(("rate limited", "fetch", 1), (log.GetProperty("message").GetString(), log.GetProperty("stepId").GetString(), log.GetProperty("attempt").GetInt32()));
        Assert.Equal(250, log.GetProperty("fields").GetProperty("retry.after_ms").GetInt32());
    }

    [Fact]
    public async Task ATraceSentSpanBySpan_IsOneRun_RunningUntilItsRootEnds()
    {
        var (source, provider) = Tracer(eachSpan: true, resource: new KeyValuePair<string, object>("workflow.id", "split-flow"));
        string traceId;
        string rootSpanId;
        using (var root = source.StartActivity("split-flow-root")!)
        {
            traceId = root.TraceId.ToHexString();
            rootSpanId = root.SpanId.ToHexString();
            using (source.StartActivity("first"))
            {
            }
            // Exported on its end, before the root's.
            var partial = await fixture.Http.GetJsonAsync($"api/runs/{traceId}");
            Assert.Equal("running", partial.GetProperty("status").GetString());
            Assert.Equal("split-flow", partial.GetProperty("workflowId").GetString());
            // The root has not arrived, but its child names it.
            Assert.Equal(rootSpanId, partial.GetProperty("telemetrySpanId").GetString());
            using (source.StartActivity("second"))
            {
            }
        }
        provider.Dispose();

        var run = await fixture.Http.GetJsonAsync($"api/runs/{traceId}");
        Assert.Equal("completed", run.GetProperty("status").GetString());
        var steps = (await fixture.Http.GetJsonAsync($"api/runs/{traceId}/trace")).GetProperty("steps").EnumerateArray();
        Assert.Equal(["first", "second"], steps.Select(s => s.GetProperty("stepId").GetString()));
    }

    [Fact]
    public async Task AJsonExport_WithHexIds_AndGzip_IsAccepted()
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var json = $$$"""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"curl"}}]},
              "scopeSpans":[{"scope":{"name":"manual"},"spans":[
                {"traceId":"{{{traceId}}}","spanId":"00000000000000a1","name":"json-flow","kind":1,
                 "startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + 3_000_000}}}","status":{"code":1}},
                {"traceId":"{{{traceId}}}","spanId":"00000000000000b2","parentSpanId":"00000000000000a1","name":"only-step",
                 "startTimeUnixNano":"{{{now + 1_000_000}}}","endTimeUnixNano":"{{{now + 2_000_000}}}",
                 "attributes":[{"key":"gen_ai.usage.input_tokens","value":{"intValue":"12"}}]}]}]}]}
            """;
        using var gzipped = new MemoryStream();
        await using (var zip = new GZipStream(gzipped, CompressionLevel.Fastest, leaveOpen: true))
        {
            await zip.WriteAsync(Encoding.UTF8.GetBytes(json), Token);
        }
        using var content = new ByteArrayContent(gzipped.ToArray());
        content.Headers.ContentType = new("application/json");
        content.Headers.ContentEncoding.Add("gzip");

        using var response = await fixture.Http.PostAsync("v1/traces", content, Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token)).RootElement.TryGetProperty("partialSuccess", out _));
        var run = await fixture.Http.GetJsonAsync($"api/runs/{traceId}");
        Assert.Equal(("json-flow", "completed", "00000000000000a1"), (run.GetProperty("workflowId").GetString(), run.GetProperty("status").GetString(), run.GetProperty("telemetrySpanId").GetString()));
        Assert.Equal(12, (await StepAsync(traceId, "only-step")).GetProperty("tokens").GetProperty("prompt").GetInt64());
    }

    [Fact]
    public async Task ASpanWithAModelNameTheRunsApiRefuses_KeepsItsStep_WithoutTheModel()
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var hostile = "<script>" + new string('m', 10_000);
        var json = $$$"""
            {"resourceSpans":[{"scopeSpans":[{"spans":[
                {"traceId":"{{{traceId}}}","spanId":"00000000000000a1","name":"flow","startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + 3_000_000}}}"},
                {"traceId":"{{{traceId}}}","spanId":"00000000000000b2","parentSpanId":"00000000000000a1","name":"chat",
                 "startTimeUnixNano":"{{{now + 1_000_000}}}","endTimeUnixNano":"{{{now + 2_000_000}}}",
                 "attributes":[{"key":"gen_ai.request.model","value":{"stringValue":"{{{hostile}}}"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"7"}}]}]}]}]}
            """;

        using var response = await fixture.Http.PostAsync("v1/traces", new StringContent(json, Encoding.UTF8, "application/json"), Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token)).RootElement.TryGetProperty("partialSuccess", out _));
        var step = await StepAsync(traceId, "chat");
        Assert.Equal(7, step.GetProperty("tokens").GetProperty("prompt").GetInt64());
        Assert.False(step.TryGetProperty("modelUsed", out var model) && model.ValueKind == JsonValueKind.String);
    }

    [Fact]
    public async Task SpansOfOneNameInOneExport_AreLoopIterations_NumberedFromZero()
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var searches = string.Join(",", Enumerable.Range(0, 3).Select(i => $$$"""
            {"traceId":"{{{traceId}}}","spanId":"00000000000000b{{{i}}}","parentSpanId":"00000000000000a1","name":"search",
             "startTimeUnixNano":"{{{now + i * 1_000_000}}}","endTimeUnixNano":"{{{now + i * 1_000_000 + 500_000}}}"}
            """));
        var json = $$$"""{"resourceSpans":[{"scopeSpans":[{"spans":[{{{searches}}}]}]}]}""";
        using var response = await fixture.Http.PostAsync("v1/traces", new StringContent(json, Encoding.UTF8, "application/json"), Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var steps = (await fixture.Http.GetJsonAsync($"api/runs/{traceId}/trace")).GetProperty("steps").EnumerateArray()
            .Select(s => (s.GetProperty("stepId").GetString(), s.GetProperty("loopIndex").GetInt32(), s.GetProperty("attempt").GetInt32()));
        Assert.Equal([("search", 0, 1), ("search", 1, 1), ("search", 2, 1)], steps);
    }

    [Theory]
    [InlineData("traces", "application/x-protobuf", "not protobuf at all \u0001\u0002\u00ff", 400)]
    [InlineData("traces", "application/json", "{\"resourceSpans\": [", 400)]
    [InlineData("traces", "text/plain", "{}", 415)]
    [InlineData("logs", "application/x-protobuf", "not protobuf at all \u0001\u0002\u00ff", 400)]
    [InlineData("logs", "application/json", "{\"resourceLogs\": [", 400)]
    [InlineData("logs", "application/json", "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"traceId\":\"zz\"}]}]}]}", 400)]
    [InlineData("logs", "text/plain", "{}", 415)]
    public async Task ABadExport_IsRefusedWithTheErrorEnvelope(string signal, string contentType, string body, int status)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new(contentType);

        using var response = await fixture.Http.PostAsync("v1/" + signal, content, Token);

        Assert.Equal(status, (int)response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token)).RootElement.GetProperty("error");
        Assert.Equal("INVALID_INPUT", error.GetProperty("code").GetString());
        if (status == 400)
        {
            Assert.Contains($"OTLP {signal.TrimEnd('s')} export", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ATraceTheRunRefuses_IsReportedAsPartialSuccess()
    {
        // A run id no URL can carry: the trace is refused, the export answers with its spans counted as rejected.
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var json = $$$"""
            {"resourceSpans":[{"scopeSpans":[{"spans":[
                {"traceId":"{{{traceId}}}","spanId":"00000000000000c3","name":"bad","startTimeUnixNano":"1","endTimeUnixNano":"2",
                 "attributes":[{"key":"run.id","value":{"stringValue":".."}}]}]}]}]}
            """;
        using var response = await fixture.Http.PostAsync("v1/traces", new StringContent(json, Encoding.UTF8, "application/json"), Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var partial = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token)).RootElement.GetProperty("partialSuccess");
        Assert.Equal("1", partial.GetProperty("rejectedSpans").GetString());
        Assert.Contains("run.id", partial.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
    }
}
