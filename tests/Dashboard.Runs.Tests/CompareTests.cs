using System.Net;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary><c>GET /api/runs/{a}/compare/{b}</c> on each store: the alignment, the first divergence, the deltas.</summary>
public abstract class CompareTests(RunsServiceFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task AFailedRun_AgainstAGoodOne_DivergesAtItsFailingStep()
    {
        var good = NewRunId("good");
        var bad = NewRunId("bad");
        await Http.PostOkAsync(good, Batch(Started("wf-compare"), StepStarted("fetch"), StepCompleted("fetch", output: """{"rows":3}""", cost: "0.001"),
            StepStarted("charge"), StepCompleted("charge", output: """{"ok":true}"""), RunCompleted()));
        await Http.PostOkAsync(bad, Batch(Started("wf-compare"), StepStarted("fetch"), StepCompleted("fetch", output: """{"rows":3}""", cost: "0.003"),
            StepStarted("charge"), StepFailed("charge", message: "card declined", willRetry: false), RunFailed("card declined")));

        var comparison = await Http.GetJsonAsync($"api/runs/{good}/compare/{bad}");

        Assert.Equal((good, bad), (comparison.GetProperty("left").GetProperty("id").GetString(), comparison.GetProperty("right").GetProperty("id").GetString()));
        var steps = comparison.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal([("fetch", "same"), ("charge", "status")], steps.Select(s => (s.GetProperty("stepId").GetString(), s.GetProperty("difference").GetString())));
        Assert.Equal(1, comparison.GetProperty("firstDivergence").GetInt32());
        Assert.Equal("card declined", steps[1].GetProperty("right").GetProperty("errorMessage").GetString());
        Assert.Equal("0.002", steps[0].GetProperty("costDeltaUsd").GetString());
    }

    [Fact]
    public async Task AnUnknownRunOnEitherSide_IsNotFound()
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started()));

        foreach (var url in new[] { $"api/runs/{runId}/compare/{NewRunId()}", $"api/runs/{NewRunId()}/compare/{runId}" })
        {
            var (status, body) = await Http.GetErrorAsync(url);
            Assert.Equal((int)HttpStatusCode.NotFound, status);
            Assert.Equal("RESOURCE_NOT_FOUND", body.GetProperty("error").GetProperty("code").GetString());
        }
    }
}
