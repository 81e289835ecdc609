using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary>A service with keys: an admin, a reader limited to one workflow, and a rate limit low enough to reach.</summary>
public sealed class KeyedServiceFixture : RunsServiceFixture
{
    public const string Admin = "admin-key-0123456789abcdef";
    public const string AlphaReader = "alpha-reader-0123456789ab";
    public const string Limited = "limited-key-0123456789abc";
    public const string AlphaOperator = "alpha-operator-0123456789";
    public const string AlphaEngine = "alpha-engine-0123456789ab";

    protected override IEnumerable<string> Arguments =>
    [
        .. base.Arguments,
        "--Runs:ApiKeys:0:Name", "admin", "--Runs:ApiKeys:0:Key", Admin,
        "--Runs:ApiKeys:0:Scopes:0", "read", "--Runs:ApiKeys:0:Scopes:1", "ingest", "--Runs:ApiKeys:0:Scopes:2", "streams",
        "--Runs:ApiKeys:1:Name", "alpha-reader", "--Runs:ApiKeys:1:Key", AlphaReader,
        "--Runs:ApiKeys:1:Scopes:0", "read", "--Runs:ApiKeys:1:Workflows:0", "wf-alpha",
        "--Runs:ApiKeys:2:Name", "limited", "--Runs:ApiKeys:2:Key", Limited, "--Runs:ApiKeys:2:Scopes:0", "read",
        "--Runs:ApiKeys:3:Name", "alpha-operator", "--Runs:ApiKeys:3:Key", AlphaOperator,
        "--Runs:ApiKeys:3:Scopes:0", "read", "--Runs:ApiKeys:3:Scopes:1", "control", "--Runs:ApiKeys:3:Workflows:0", "wf-alpha",
        "--Runs:ApiKeys:4:Name", "alpha-engine", "--Runs:ApiKeys:4:Key", AlphaEngine,
        "--Runs:ApiKeys:4:Scopes:0", "ingest", "--Runs:ApiKeys:4:Workflows:0", "wf-alpha",
        "--Runs:RateLimitPerMinute", "40",
    ];
}

public sealed class AccessTests(KeyedServiceFixture fixture) : IClassFixture<KeyedServiceFixture>
{
    private HttpClient Client(string? key)
    {
        var http = new HttpClient { BaseAddress = fixture.Service.BaseAddress };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return http;
    }

    [Fact]
    public async Task MissingOrWrongKey_IsAuthorizationError()
    {
        foreach (var key in new[] { null, "wrong-key-0123456789abcdef" })
        {
            using var http = Client(key);
            var (status, body) = await http.GetErrorAsync("api/runs");
            Assert.Equal(401, status);
            Assert.Equal("AUTHORIZATION_ERROR", body.GetProperty("error").GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task OutOfScopeRun_AnswersExactlyAsAnUnknownRun()
    {
        using var admin = Client(KeyedServiceFixture.Admin);
        using var reader = Client(KeyedServiceFixture.AlphaReader);
        var betaRun = NewRunId("beta");
        var runningBefore = (await reader.GetJsonAsync("api/runs")).GetProperty("statusCounts").GetProperty("running").GetInt32();
        await admin.PostOkAsync(betaRun, Batch(Started("wf-beta"), StepStarted("secret")));

        foreach (var suffix in new[] { "", "/trace", "/steps/secret/trace", "/events?offset=-1", "/children", "/tree", "/rollup" })
        {
            var hidden = await reader.GetAsync($"api/runs/{betaRun}{suffix}", TestContext.Current.CancellationToken);
            var unknown = await reader.GetAsync($"api/runs/no-such-run{suffix}", TestContext.Current.CancellationToken);
            Assert.Equal(unknown.StatusCode, hidden.StatusCode);
            Assert.Equal(WithoutRequestId(await unknown.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)),
                WithoutRequestId(await hidden.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)));
        }
        var list = await reader.GetJsonAsync("api/runs");
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), r => r.GetProperty("id").GetString() == betaRun);
        // The beta run is running, yet the reader's counts did not move.
        Assert.Equal(runningBefore, list.GetProperty("statusCounts").GetProperty("running").GetInt32());
    }

    [Fact]
    public async Task Search_NeverFindsAnotherWorkflowsPayloads()
    {
        using var admin = Client(KeyedServiceFixture.Admin);
        using var reader = Client(KeyedServiceFixture.AlphaReader);
        var token = "zscope" + Guid.NewGuid().ToString("N")[..8];
        var alphaRun = NewRunId("search-alpha");
        var betaRun = NewRunId("search-beta");
        await admin.PostOkAsync(alphaRun, Batch(Started("wf-alpha"), StepStarted("a", input: $"{{\"k\":\"{token}\"}}")));
        await admin.PostOkAsync(betaRun, Batch(Started("wf-beta"), StepStarted("b", input: $"{{\"k\":\"{token}\"}}"),
            $$"""{"type":"log","timestamp":"{{Time()}}","level":"error","message":"{{token}} in a log"}"""));

        Assert.Equal(3, (await admin.GetJsonAsync($"api/search?q={token}")).GetProperty("items").GetArrayLength());
        var seen = (await reader.GetJsonAsync($"api/search?q={token}")).GetProperty("items").EnumerateArray().Select(h => h.GetProperty("runId").GetString());
        Assert.Equal([alphaRun], seen);
        // Asking for the other workflow by name does not widen the key.
        Assert.Equal(0, (await reader.GetJsonAsync($"api/search?q={token}&workflowId=wf-beta")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Acting_NeedsTheControlScope_AndTheRunsWorkflow()
    {
        using var admin = Client(KeyedServiceFixture.Admin);
        using var reader = Client(KeyedServiceFixture.AlphaReader);
        using var operatorKey = Client(KeyedServiceFixture.AlphaOperator);
        var alphaRun = NewRunId("act-alpha");
        var betaRun = NewRunId("act-beta");
        await admin.PostOkAsync(alphaRun, Batch(Started("wf-alpha"), StepStarted("a")));
        await admin.PostOkAsync(betaRun, Batch(Started("wf-beta"), StepStarted("b")));

        // A key without control may read the run but not act on it: the authorization answer the rest of the API gives.
        foreach (var key in new[] { admin, reader })
        {
            using var refused = await ControlTests.ActAsync(key, alphaRun, """{"action":"cancel"}""");
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("AUTHORIZATION_ERROR", await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }
        // A run of a workflow the key does not have is not found, exactly like an unknown one.
        using (var hidden = await ControlTests.ActAsync(operatorKey, betaRun, """{"action":"cancel"}"""))
        using (var unknown = await ControlTests.ActAsync(operatorKey, "no-such-run", """{"action":"cancel"}"""))
        {
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
            Assert.Equal(WithoutRequestId(await unknown.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)),
                WithoutRequestId(await hidden.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)));
        }
        using (var accepted = await ControlTests.ActAsync(operatorKey, alphaRun, """{"action":"cancel"}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }
        // The control stream: engines (ingest) and operators (control) follow it; a reader may not; another workflow's is not there.
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.GetAsync("api/workflows/wf-alpha/control?offset=-1", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await operatorKey.GetAsync("api/workflows/wf-beta/control?offset=-1", TestContext.Current.CancellationToken)).StatusCode);
        var stream = await admin.GetJsonAsync("api/workflows/wf-alpha/control?offset=-1");
        Assert.Contains(stream.EnumerateArray(), m => m.GetProperty("runId").GetString() == alphaRun && m.GetProperty("requestedBy").GetString() == "alpha-operator");
    }

    [Fact]
    public async Task WorkflowScopeHeader_NarrowsWhatAKeySees_ButNeverWidensIt()
    {
        using var admin = Client(KeyedServiceFixture.Admin);
        using var reader = Client(KeyedServiceFixture.AlphaReader);
        var alphaRun = NewRunId("narrow-alpha");
        var betaRun = NewRunId("narrow-beta");
        await admin.PostOkAsync(alphaRun, Batch(Started("wf-alpha")));
        await admin.PostOkAsync(betaRun, Batch(Started("wf-beta")));

        async Task<HttpStatusCode> StatusAsync(HttpClient http, string path, string scope)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("Runs-Workflow-Scope", scope);
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            return response.StatusCode;
        }

        // The admin key sees every workflow; narrowed to wf-alpha, the beta run is as unknown as any.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(admin, $"api/runs/{alphaRun}", "[\"wf-alpha\"]"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(admin, $"api/runs/{betaRun}", "[\"wf-alpha\"]"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(admin, $"api/runs/{alphaRun}", "[]"));
        // A key limited to wf-alpha cannot widen itself by asking for wf-beta.
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(reader, $"api/runs/{betaRun}", "[\"wf-alpha\",\"wf-beta\"]"));
        // Garbage is refused in the envelope, not ignored (ignoring it would show the key's whole scope).
        Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync(admin, "api/runs", "wf-alpha"));
    }

    [Fact]
    public async Task OtlpLogRecords_ForAnotherWorkflowsRun_AreNeitherStoredNorAnsweredAboutDifferently()
    {
        using var admin = Client(KeyedServiceFixture.Admin);
        using var engine = Client(KeyedServiceFixture.AlphaEngine);
        var betaRun = NewRunId("beta");
        await admin.PostOkAsync(betaRun, Batch(Started("wf-beta"), RunCompleted()));
        string Export(string runId) => $$$"""
            {"resourceLogs":[{"resource":{"attributes":[{"key":"run.id","value":{"stringValue":"{{{runId}}}"}}]},
              "scopeLogs":[{"logRecords":[{"body":{"stringValue":"planted"},"traceId":"0af7651916cd43dd8448eb211c80319c"}]}]}]}
            """;

        using var hidden = await engine.PostAsync("v1/logs", new StringContent(Export(betaRun), System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        using var unknown = await engine.PostAsync("v1/logs", new StringContent(Export("no-such-run"), System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        // The ended run of another workflow answers as no run at all does (its records wait for a run), not "it ended".
        Assert.Equal(HttpStatusCode.OK, hidden.StatusCode);
        Assert.Equal(await unknown.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), await hidden.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Empty((await admin.GetJsonAsync($"api/runs/{betaRun}/logs")).GetProperty("items").EnumerateArray());
        using var reader = Client(KeyedServiceFixture.AlphaReader);
        using var readOnly = await reader.PostAsync("v1/logs", new StringContent(Export(betaRun), System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, readOnly.StatusCode);
    }

    [Fact]
    public async Task ReadOnlyKey_CannotReport_NorUseTheGenericStreams()
    {
        using var reader = Client(KeyedServiceFixture.AlphaReader);

        var post = await reader.PostEventsAsync(NewRunId(), Batch(Started("wf-alpha")));
        var stream = await reader.PutAsync("v1/stream/anything", new StringContent(""), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, stream.StatusCode);
        Assert.Contains("AUTHORIZATION_ERROR", await stream.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OverTheRate_Is429WithRetryAfter()
    {
        using var limited = Client(KeyedServiceFixture.Limited);
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 60 && refused is null; i++)
        {
            var response = await limited.GetAsync("api/runs?limit=1", TestContext.Current.CancellationToken);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
        }

        Assert.NotNull(refused);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("error");
        Assert.Equal("RATE_LIMIT_EXCEEDED", error.GetProperty("code").GetString());
    }

    private static string WithoutRequestId(string body) =>
        System.Text.RegularExpressions.Regex.Replace(body, "\"requestId\":\"[^\"]*\"", "\"requestId\":\"-\"");
}
