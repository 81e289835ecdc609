using System.Net;
using System.Text;
using Dashboard.Testing;
using static Dashboard.Runs.Tests.OtlpContentWaitTests;

namespace Dashboard.Runs.Tests;

/// <summary>Two instances on one PostgreSQL database, whose model calls' spans wait long for their content (a slow machine never runs out of it).</summary>
public sealed class ContentAcrossInstancesFixture : TwoInstancesFixture
{
    protected override string[] ExtraArguments => ["--Runs:OtlpContentWaitMs", "30000", "--Logging:LogLevel:Dashboard.Runs.Otlp.OtlpContentWait", "Debug"];
}

/// <summary>
/// A model call's content events and its span reach different instances (an SDK's log and trace exporters keep
/// connections of their own, which a balancer may send apart): the prompt and answer are still the step's input and
/// output, once, and not log lines.
/// </summary>
public sealed class OtlpContentAcrossInstancesTests(ContentAcrossInstancesFixture instances) : IClassFixture<ContentAcrossInstancesFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string NewService() => "split-agent-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task ContentSentToOneInstance_ThenTheSpanToTheOther_IsTheStepsInputAndOutput_AndNoLogLine()
    {
        var service = NewService();
        var traceId = TraceId();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;

        // B holds the content for a span it has not seen; A has never had content of this service.
        await PostOkAsync(instances.HttpB, "v1/logs", Logs(service, UserMessage(traceId, now, "<b>My order</b> never came"), Choice(traceId, now, "Refund it.")));
        await PostOkAsync(instances.HttpA, "v1/traces", ChatSpan(service, traceId, now));

        await AssertContentAsync(traceId, "<b>My order</b> never came", "Refund it.");
        await AssertOnlyLineAsync(service, traceId, now);
    }

    [Fact]
    public async Task TheSpanSentToOneInstance_ThenItsContentToTheOther_WhileItWaits_IsTheStepsInputAndOutput()
    {
        var service = NewService();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        // The service sent content before (of another call), to B only: A learns it from the store.
        await PostOkAsync(instances.HttpB, "v1/logs", Logs(service, UserMessage(TraceId(), now, "an earlier call")));
        var traceId = TraceId();

        var spans = PostOkAsync(instances.HttpA, "v1/traces", ChatSpan(service, traceId, now));
        await UntilAsync(() => instances.A.Output.Any(l => l.Contains(traceId, StringComparison.Ordinal) && l.Contains("waiting up to", StringComparison.Ordinal)),
            "instance A to wait for the call's content");
        Assert.False(spans.IsCompleted);
        await PostOkAsync(instances.HttpB, "v1/logs", Logs(service, UserMessage(traceId, now, "Where is it?"), Choice(traceId, now, "On its way.")));
        await spans;

        await AssertContentAsync(traceId, "Where is it?", "On its way.");
        await AssertOnlyLineAsync(service, traceId, now);
    }

    private async Task AssertContentAsync(string traceId, string prompt, string answer)
    {
        foreach (var http in new[] { instances.HttpA, instances.HttpB })
        {
            var step = await http.GetJsonAsync($"api/runs/{traceId}/steps/triage/trace?attempt=latest");
            var input = Assert.Single(step.GetProperty("inputContext").EnumerateArray());
            Assert.Equal(("user", prompt), (input.GetProperty("role").GetString(), input.GetProperty("content").GetString()));
            Assert.Equal(answer, step.GetProperty("outputContext").GetProperty("message").GetProperty("content").GetString());
        }
    }

    /// <summary>
    /// A plain line of the call, sent to B (which still holds its own copies of the content A claimed): it takes in what
    /// it holds of the trace with it, and the copies are let go of, so the run's only line is that one.
    /// </summary>
    private async Task AssertOnlyLineAsync(string service, string traceId, long now)
    {
        var line = $$"""{"timeUnixNano":"{{now + 3}}","body":{"stringValue":"answered"},"traceId":"{{traceId}}","spanId":"00000000000000b2"}""";
        await PostOkAsync(instances.HttpB, "v1/logs", Logs(service, line));
        foreach (var http in new[] { instances.HttpA, instances.HttpB })
        {
            var lines = (await http.GetJsonAsync($"api/runs/{traceId}/logs")).GetProperty("items").EnumerateArray().Select(l => l.GetProperty("message").GetString());
            Assert.Equal(["answered"], lines);
        }
    }

    private static async Task UntilAsync(Func<bool> done, string what)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (!done())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(50, Token);
        }
    }

    private static async Task PostOkAsync(HttpClient http, string path, string json)
    {
        using var response = await http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), Token);
        var body = await response.Content.ReadAsStringAsync(Token);
        Assert.True(response.StatusCode == HttpStatusCode.OK && !body.Contains("partialSuccess", StringComparison.Ordinal), $"{path}: {body}");
    }
}

/// <summary>An instance that dies (killed, out of memory) with a model call's content waiting in it.</summary>
public sealed class OtlpContentOfADeadInstanceTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ContentOfferedByAnInstanceThatDied_IsTakenBackByAnother_AndReachesItsStep()
    {
        string[] common = ["--Storage:Provider", "PostgreSql", "--ConnectionStrings:Runs", await SharedPostgres.NewDatabaseAsync("orphans"),
            "--Runs:OtlpLogWaitSeconds", "2", "--Logging:LogLevel:Default", "Warning"];
        // The survivor stores spans without waiting for content: the content comes to it only as an orphan.
        await using var survivor = await AppProcess.StartAsync("Dashboard.Runs", [.. common, "--Runs:OtlpContentWaitMs", "0"]);
        await using var doomed = await AppProcess.StartAsync("Dashboard.Runs", common);
        using var toSurvivor = new HttpClient { BaseAddress = survivor.BaseAddress };
        using var toDoomed = new HttpClient { BaseAddress = doomed.BaseAddress };
        var service = "orphan-agent-" + Guid.NewGuid().ToString("N")[..8];
        var traceId = TraceId();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;

        await PostOkAsync(toDoomed, "v1/logs", Logs(service, UserMessage(traceId, now, "lost <i>prompt</i>?")));
        await doomed.KillAsync();
        await PostOkAsync(toSurvivor, "v1/traces", ChatSpan(service, traceId, now));

        // Offered 12 s ago or more (the hold's 2 s and ten more), the record is the survivor's, and its span is known.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            var lines = (await toSurvivor.GetJsonAsync($"api/runs/{traceId}/logs")).GetProperty("items").EnumerateArray().ToList();
            if (lines.Count > 0)
            {
                var line = Assert.Single(lines);
                Assert.Equal("triage", line.GetProperty("stepId").GetString());
                // The event as a line (its span was stored without it): its body as JSON.
                using var body = System.Text.Json.JsonDocument.Parse(line.GetProperty("message").GetString()!);
                Assert.Equal("lost <i>prompt</i>?", body.RootElement.GetProperty("content").GetString());
                break;
            }
            Assert.True(DateTimeOffset.UtcNow < deadline, "The dead instance's content never reached its step.");
            await Task.Delay(200, Token);
        }
    }

    private static async Task PostOkAsync(HttpClient http, string path, string json)
    {
        using var response = await http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), Token);
        var body = await response.Content.ReadAsStringAsync(Token);
        Assert.True(response.StatusCode == HttpStatusCode.OK && !body.Contains("partialSuccess", StringComparison.Ordinal), $"{path}: {body}");
    }
}
