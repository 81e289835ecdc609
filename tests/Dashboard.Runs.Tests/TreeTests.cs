using System.Net;
using System.Text.Json;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary><c>GET /api/runs/{runId}/tree</c>: a run's descendants with the step that started each, on each store.</summary>
public abstract class TreeTests(RunsServiceFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private static string Child(string parent, string? step, string workflow = "wf-child") =>
        Started(workflow, $"\"parentRunId\":\"{parent}\"" + (step is null ? "" : $",\"parentStepId\":\"{step}\""));

    private static IEnumerable<string?> Ids(JsonElement node) =>
        node.GetProperty("children").EnumerateArray().Select(c => c.GetProperty("run").GetProperty("id").GetString());

    [Fact]
    public async Task TheTree_HasEachLevelInStartOrder_WithTheStartingStep_AndCountsBeyondTheDepthRead()
    {
        var root = NewRunId("root");
        var (a, b, a1, a1x) = (NewRunId("a"), NewRunId("b"), NewRunId("a1"), NewRunId("a1x"));
        await Http.PostOkAsync(root, Batch(Started("wf-parent", "\"input\":{\"big\":\"payload\"}"), StepStarted("fan-out")));
        await Http.PostOkAsync(a, Batch(Child(root, "fan-out"), StepStarted("s"), StepCompleted("s", cost: "0.25")));
        await Http.PostOkAsync(b, Batch(Child(root, null), StepStarted("s"), StepFailed("s", willRetry: false), RunFailed()));
        await Http.PostOkAsync(a1, Batch(Child(a, "s")));
        await Http.PostOkAsync(a1x, Batch(Child(a1, null)));

        var tree = await Http.GetJsonAsync($"api/runs/{root}/tree");

        Assert.Equal(root, tree.GetProperty("run").GetProperty("id").GetString());
        Assert.False(tree.GetProperty("run").TryGetProperty("input", out _));
        Assert.Equal(2, tree.GetProperty("childCount").GetInt32());
        Assert.Equal([a, b], Ids(tree));
        var first = tree.GetProperty("children")[0];
        Assert.Equal("fan-out", first.GetProperty("run").GetProperty("parentStepId").GetString());
        Assert.Equal("0.25", first.GetProperty("run").GetProperty("costUsd").GetString());
        Assert.Equal("failed", tree.GetProperty("children")[1].GetProperty("run").GetProperty("status").GetString());
        // Two levels read: a1 is there with its own child counted but not read.
        var second = Assert.Single(first.GetProperty("children").EnumerateArray());
        Assert.Equal(a1, second.GetProperty("run").GetProperty("id").GetString());
        Assert.Equal(1, second.GetProperty("childCount").GetInt32());
        Assert.Empty(second.GetProperty("children").EnumerateArray());

        var deeper = await Http.GetJsonAsync($"api/runs/{a1}/tree?depth=1");
        Assert.Equal([a1x], Ids(deeper));
        Assert.Equal([a1x], Ids((await Http.GetJsonAsync($"api/runs/{root}/tree?depth=3")).GetProperty("children")[0].GetProperty("children")[0]));
    }

    [Fact]
    public async Task ParentStepId_WithoutAParent_IsRefused()
    {
        var response = await Http.PostEventsAsync(NewRunId(), Batch(Started("wf-child", "\"parentStepId\":\"s\"")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("parentStepId", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("depth=0")]
    [InlineData("depth=6")]
    [InlineData("depth=two")]
    public async Task ABadDepth_IsInvalidInput(string query)
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started()));

        var (status, body) = await Http.GetErrorAsync($"api/runs/{runId}/tree?{query}");

        Assert.Equal(400, status);
        Assert.Equal("INVALID_INPUT", body.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task AnUnknownRun_IsNotFound()
    {
        var (status, _) = await Http.GetErrorAsync($"api/runs/{NewRunId()}/tree");

        Assert.Equal(404, status);
    }
}
