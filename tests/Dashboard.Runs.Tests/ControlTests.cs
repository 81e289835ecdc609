using System.Net;
using System.Text;
using System.Text.Json;
using Dashboard.Testing;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary>
/// Acting on runs: requests appended to the workflow's control stream, refused when they do not fit the run, idempotent,
/// and settled by the engine's reports carrying the request id; on each store.
/// </summary>
public abstract class ControlTests(RunsServiceFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    internal static async Task<HttpResponseMessage> ActAsync(HttpClient http, string runId, string body, string? idempotencyKey = null, string? actingFor = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/runs/{Uri.EscapeDataString(runId)}/actions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        if (actingFor is not null)
        {
            request.Headers.Add("Runs-Acting-For", actingFor);
        }
        return await http.SendAsync(request, Token);
    }

    private async Task<JsonElement> AcceptedAsync(string runId, string body, string? idempotencyKey = null, string? actingFor = null)
    {
        using var response = await ActAsync(Http, runId, body, idempotencyKey, actingFor);
        var text = await response.Content.ReadAsStringAsync(Token);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A run of <paramref name="workflow"/> that is running, waiting (at step approve), completed or failed (at step b).</summary>
    private async Task<string> RunAsync(string workflow, string status)
    {
        var runId = NewRunId("ctl");
        // Started first: each helper's timestamp is one second after the previous one.
        var started = Started(workflow);
        string[] events = status switch
        {
            "running" => [StepStarted("a")],
            "waiting" => [StepStarted("approve"), Waiting("approve")],
            "completed" => [StepStarted("a"), StepCompleted("a"), RunCompleted()],
            _ => [StepStarted("a"), StepCompleted("a"), StepStarted("b"), StepFailed("b", willRetry: false), RunFailed()],
        };
        await Http.PostOkAsync(runId, Batch([started, .. events]));
        return runId;
    }

    private static string Waiting(string stepId) => $$"""{"type":"run_waiting","timestamp":"{{Time()}}","reason":"approve","stepId":"{{stepId}}"}""";

    private async Task<List<JsonElement>> StreamAsync(string workflow, string offset = "-1") =>
        (await Http.GetJsonAsync($"api/workflows/{workflow}/control?offset={offset}")).EnumerateArray().ToList();

    private async Task<JsonElement> OnlyRequestAsync(string runId) => Assert.Single((await Http.GetJsonAsync($"api/runs/{runId}/control")).EnumerateArray());

    [Theory]
    [InlineData("completed", """{"action":"cancel"}""", "Only a running or waiting run can be cancelled")]
    [InlineData("running", """{"action":"resume"}""", "Only a waiting run can be resumed")]
    [InlineData("running", """{"action":"rerun"}""", "Only an ended run can be run again")]
    [InlineData("completed", """{"action":"rerun_from_step","stepId":"nowhere"}""", "stepId names no step of this run")]
    [InlineData("completed", """{"action":"rerun_from_step"}""", "stepId is required")]
    [InlineData("running", """{"action":"cancel","input":{"x":1}}""", "input goes with resume and rerun only")]
    [InlineData("running", """{"action":"explode"}""", "action must be")]
    [InlineData("running", """{"reason":"no action"}""", "action is required")]
    [InlineData("running", """[1,2]""", "Send a JSON object")]
    [InlineData("running", """{"action":""", "Send a JSON object")]
    public async Task AnActionThatDoesNotFitTheRun_IsRefused_AndNothingIsAppended(string status, string body, string message)
    {
        var workflow = "wf-ctl-" + Guid.NewGuid().ToString("N")[..8];
        var runId = await RunAsync(workflow, status);

        using var response = await ActAsync(Http, runId, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token)).RootElement.GetProperty("error");
        Assert.Equal("INVALID_INPUT", error.GetProperty("code").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(await StreamAsync(workflow));
        Assert.Empty((await Http.GetJsonAsync($"api/runs/{runId}/control")).EnumerateArray());
    }

    [Fact]
    public async Task Requests_AreOnTheWorkflowsControlStream_InOrder_WithWhatEnginesNeed()
    {
        var workflow = "wf-ctl-" + Guid.NewGuid().ToString("N")[..8];
        var running = await RunAsync(workflow, "running");
        var waiting = await RunAsync(workflow, "waiting");
        var ended = await RunAsync(workflow, "failed");

        var cancel = await AcceptedAsync(running, """{"action":"cancel","reason":"runaway <script>"}""", actingFor: "ops@example.com");
        var resume = await AcceptedAsync(waiting, """{"action":"resume","input":{"approved":true,"note":"ok"}}""");
        var rerun = await AcceptedAsync(ended, """{"action":"rerun_from_step","stepId":"b"}""");

        var stream = await StreamAsync(workflow);
        Assert.Equal(new[] { cancel, resume, rerun }.Select(a => a.GetProperty("requestId").GetString()), stream.Select(m => m.GetProperty("requestId").GetString()));
        Assert.Equal([running, waiting, ended], stream.Select(m => m.GetProperty("runId").GetString()));
        Assert.Equal(["cancel", "resume", "rerun_from_step"], stream.Select(m => m.GetProperty("action").GetString()));
        Assert.Equal("runaway <script>", stream[0].GetProperty("reason").GetString());
        Assert.Equal("ops@example.com", stream[0].GetProperty("requestedBy").GetString());
        Assert.True(stream[1].GetProperty("input").GetProperty("approved").GetBoolean());
        Assert.Equal("b", stream[2].GetProperty("stepId").GetString());
        Assert.All(stream, m => Assert.Equal(workflow, m.GetProperty("workflowId").GetString()));
        // Each message's offset is where a follower resumes after it, as the POST said.
        Assert.Equal(new[] { cancel, resume, rerun }.Select(a => a.GetProperty("offset").GetString()), stream.Select(m => m.GetProperty("offset").GetString()));
        var after = await StreamAsync(workflow, cancel.GetProperty("offset").GetString()!);
        Assert.Equal(["resume", "rerun_from_step"], after.Select(m => m.GetProperty("action").GetString()));
        // Another workflow's stream has none of them.
        Assert.Empty(await StreamAsync(workflow + "-other"));
    }

    [Fact]
    public async Task TheSameIdempotencyKey_ReturnsTheFirstRequest_AndAppendsOnce()
    {
        var workflow = "wf-ctl-" + Guid.NewGuid().ToString("N")[..8];
        var runId = await RunAsync(workflow, "running");

        var first = await AcceptedAsync(runId, """{"action":"cancel"}""", idempotencyKey: "click-1");
        var again = await AcceptedAsync(runId, """{"action":"cancel"}""", idempotencyKey: "click-1");
        var other = await AcceptedAsync(runId, """{"action":"cancel"}""", idempotencyKey: "click-2");

        Assert.Equal(first.GetProperty("requestId").GetString(), again.GetProperty("requestId").GetString());
        Assert.Equal(first.GetProperty("offset").GetString(), again.GetProperty("offset").GetString());
        Assert.NotEqual(first.GetProperty("requestId").GetString(), other.GetProperty("requestId").GetString());
        Assert.Equal(2, (await StreamAsync(workflow)).Count);
    }

    [Fact]
    public async Task TheEnginesReports_SettleEachRequest_AndLinkARerunBothWays()
    {
        var workflow = "wf-ctl-" + Guid.NewGuid().ToString("N")[..8];
        var running = await RunAsync(workflow, "running");
        var waiting = await RunAsync(workflow, "waiting");
        var failed = await RunAsync(workflow, "failed");
        var cancel = (await AcceptedAsync(running, """{"action":"cancel"}""")).GetProperty("requestId").GetString();
        var resume = (await AcceptedAsync(waiting, """{"action":"resume"}""")).GetProperty("requestId").GetString();
        var rerun = (await AcceptedAsync(failed, """{"action":"rerun"}""")).GetProperty("requestId").GetString();
        Assert.Equal("pending", (await OnlyRequestAsync(running)).GetProperty("state").GetString());

        // An engine settling another run's request settles nothing.
        await Http.PostOkAsync(waiting, Batch($$"""{"type":"run_resumed","timestamp":"{{Time()}}","requestId":"{{cancel}}"}"""));
        Assert.Equal("pending", (await OnlyRequestAsync(running)).GetProperty("state").GetString());

        await Http.PostOkAsync(running, Batch($$"""{"type":"run_cancelled","timestamp":"{{Time()}}","reason":"asked","requestId":"{{cancel}}"}"""));
        var newRun = NewRunId("rerun");
        await Http.PostOkAsync(newRun, Batch(Started(workflow, $"\"rerunOf\":\"{failed}\",\"requestId\":\"{rerun}\"")));

        var cancelled = await OnlyRequestAsync(running);
        Assert.Equal(("done", "cancelled"), (cancelled.GetProperty("state").GetString(), cancelled.GetProperty("outcome").GetString()));
        Assert.Equal(cancel, cancelled.GetProperty("request").GetProperty("requestId").GetString());
        // The resume of the waiting run was reported with the wrong id above: that one is still pending.
        Assert.Equal("pending", (await OnlyRequestAsync(waiting)).GetProperty("state").GetString());
        var reran = await OnlyRequestAsync(failed);
        Assert.Equal(("done", "rerun", newRun), (reran.GetProperty("state").GetString(), reran.GetProperty("outcome").GetString(), reran.GetProperty("outcomeRunId").GetString()));
        Assert.Equal(failed, (await Http.GetJsonAsync($"api/runs/{newRun}")).GetProperty("rerunOf").GetString());
        Assert.NotNull(resume);
    }

    [Fact]
    public async Task AnUnknownRun_IsNotFound()
    {
        using var response = await ActAsync(Http, NewRunId(), """{"action":"cancel"}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task AnOversizedInput_IsRefused()
    {
        var runId = await RunAsync("wf-ctl-big", "waiting");
        var big = new string('x', 1_100_000);

        using var response = await ActAsync(Http, runId, $$$"""{"action":"resume","input":{"blob":"{{{big}}}"}}""");

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge, response.StatusCode.ToString());
        Assert.Equal("INVALID_INPUT", JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token)).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Empty((await Http.GetJsonAsync($"api/runs/{runId}/control")).EnumerateArray());
    }
}

/// <summary>A request nobody acts on shows as expired once the configured time has passed.</summary>
public sealed class ControlExpiryTests
{
    [Fact]
    public async Task ARequestNoEngineActsOn_Expires()
    {
        await using var service = await AppProcess.StartAsync("Dashboard.Runs",
            ["--Streams:DatabasePath", "{data}/runs.db", "--Runs:ControlRequestExpirySeconds", "1", "--Logging:LogLevel:Default", "Warning"]);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        var runId = NewRunId();
        await http.PostOkAsync(runId, Batch(Started(), StepStarted("a")));
        using (var response = await ControlTests.ActAsync(http, runId, """{"action":"cancel"}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var deadline = DateTime.UtcNow.AddSeconds(15);
        string? state;
        do
        {
            state = (await http.GetJsonAsync($"api/runs/{runId}/control"))[0].GetProperty("state").GetString();
            if (state == "expired")
            {
                break;
            }
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Equal("expired", state);
    }
}
