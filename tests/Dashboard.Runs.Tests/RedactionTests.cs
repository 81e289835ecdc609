using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

public abstract class RedactionTests(RunsServiceFixture fixture)
{
    [Fact]
    public async Task SecretValues_AreMaskedBeforeTheyAreStored_EverywhereTheyCouldBeRead()
    {
        var runId = NewRunId();
        var input = """{"user":"ana","password":"hunter2","headers":{"Authorization":"Bearer sk-live-123","X-Api-Key":"k-456"},"db":[{"connection_string":"ok","db_password":"p@ss"}],"tokens":1200,"cookie":"sid=abc"}""";
        await fixture.Http.PostOkAsync(runId, Batch(Started(extra: "\"metadata\":{\"client_secret\":\"cs-789\",\"region\":\"eu\"}"), StepStarted("login", input: input)));

        var token = TestContext.Current.CancellationToken;
        var everything = string.Join('\n',
            await fixture.Http.GetStringAsync($"api/runs/{runId}", token),
            await fixture.Http.GetStringAsync($"api/runs/{runId}/trace", token),
            await fixture.Http.GetStringAsync($"api/runs/{runId}/steps/login/trace?attempt=all", token),
            await fixture.Http.GetStringAsync($"api/runs/{runId}/events?offset=-1", token));

        foreach (var secret in new[] { "hunter2", "sk-live-123", "k-456", "p@ss", "sid=abc", "cs-789" })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }
        var step = await fixture.Http.GetJsonAsync($"api/runs/{runId}/steps/login/trace");
        var stored = step.GetProperty("inputContext");
        Assert.Equal("[redacted]", stored.GetProperty("password").GetString());
        Assert.Equal("[redacted]", stored.GetProperty("headers").GetProperty("X-Api-Key").GetString());
        Assert.Equal("[redacted]", stored.GetProperty("db")[0].GetProperty("db_password").GetString());
        // What is not a secret stays as it was: a token count is not a token.
        Assert.Equal(1200, stored.GetProperty("tokens").GetInt32());
        Assert.Equal("ana", stored.GetProperty("user").GetString());
        Assert.Equal("eu", (await fixture.Http.GetJsonAsync($"api/runs/{runId}")).GetProperty("metadata").GetProperty("region").GetString());
    }
}
