using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary>
/// The executions list's status counts, on a service of their own: the test compares the counts of every run with a
/// count over the runs, so no other test may add runs to this database.
/// </summary>
public abstract class StatusCountTests(RunsServiceFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private async Task<Dictionary<string, int>> CountsAsync(string query) =>
        (await Http.GetJsonAsync("api/runs?" + query)).GetProperty("statusCounts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());

    private static string Waiting() => $$"""{"type":"run_waiting","timestamp":"{{Time()}}","reason":"approval"}""";

    private static string Resumed() => $$"""{"type":"run_resumed","timestamp":"{{Time()}}"}""";

    [Fact]
    public async Task StatusCounts_FollowARunThroughItsStatuses_AndAgreeWithACountOverTheRuns()
    {
        // The list as it opens (every run, or one workflow's) is answered from the counts kept as runs change status; any
        // other filter counts the runs themselves. Every run of this database has "count-" in its id, so "q=count-" counts
        // the same runs the other way, and both must agree.
        foreach (var (id, workflow, fails) in new[] { ("count-a", "wf-alpha", false), ("count-b", "wf-beta", true), ("count-c", "wf-beta", false) })
        {
            var started = Started(workflow);
            await Http.PostOkAsync(id, Batch(started, fails ? RunFailed() : RunCompleted()));
        }
        var before = await CountsAsync("limit=1");
        var alphaBefore = await CountsAsync("limit=1&workflowId=wf-alpha");
        async Task AgreeAsync(int running, int waiting, int failed)
        {
            var kept = await CountsAsync("limit=1");
            Assert.Equal((before["running"] + running, before["waiting"] + waiting, before["failed"] + failed, before["completed"]),
                (kept["running"], kept["waiting"], kept["failed"], kept["completed"]));
            Assert.Equal(kept, await CountsAsync("limit=1&q=count-"));
            Assert.Equal(await CountsAsync("limit=1&q=count-&workflowId=wf-beta"), await CountsAsync("limit=1&workflowId=wf-beta"));
            Assert.Equal(alphaBefore, await CountsAsync("limit=1&workflowId=wf-alpha"));
        }

        await Http.PostOkAsync("count-moving", Batch(Started("wf-beta")));
        await AgreeAsync(running: 1, waiting: 0, failed: 0);
        await Http.PostOkAsync("count-moving", Batch(Waiting()));
        await AgreeAsync(running: 0, waiting: 1, failed: 0);
        // Back and forth in one batch: the run counts where the batch leaves it.
        await Http.PostOkAsync("count-moving", Batch(Resumed(), Waiting(), Resumed()));
        await AgreeAsync(running: 1, waiting: 0, failed: 0);

        // A refused batch changes nothing (it is stored whole or not at all), counts included.
        using var refused = await Http.PostAsync("api/runs/count-moving/events",
            new StringContent(Batch(RunFailed(), Resumed()), System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        await AgreeAsync(running: 1, waiting: 0, failed: 0);

        await Http.PostOkAsync("count-moving", Batch(RunFailed()));
        await AgreeAsync(running: 0, waiting: 0, failed: 1);
    }
}
