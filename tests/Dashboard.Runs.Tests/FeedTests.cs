using System.Net;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

public abstract class FeedTests(RunsServiceFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task FeedEntries_SayWhatChanged_AndATailReadGivesTheLastOnes()
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started(), StepStarted("charge")));
        await Http.PostOkAsync(runId, Batch(StepFailed("charge", willRetry: false),
            $$"""{"type":"log","timestamp":"{{Time()}}","level":"error","message":"after the failure"}"""));
        await Http.PostOkAsync(runId, Batch(RunFailed("card declined")));

        var tail = await Http.GetJsonAsync("api/runs/feed?offset=-1&tail=2");

        var entries = tail.EnumerateArray().ToList();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal(runId, e.GetProperty("runId").GetString()));
        // The log line does not name the change: the step's failure does.
        Assert.Equal(("step_failed", "charge"), (entries[0].GetProperty("event").GetString(), entries[0].GetProperty("stepId").GetString()));
        Assert.Equal("run_failed", entries[1].GetProperty("event").GetString());
        Assert.Equal("failed", entries[1].GetProperty("status").GetString());
        Assert.True(string.CompareOrdinal(entries[0].GetProperty("feedOffset").GetString(), entries[1].GetProperty("feedOffset").GetString()) < 0);
        Assert.NotNull(entries[1].GetProperty("at").GetString());
    }

    [Fact]
    public async Task AFeedEntryOfALoopIteration_NamesTheIteration()
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started(), StepStarted("item", 1, loopIndex: 3)));

        var entry = (await Http.GetJsonAsync("api/runs/feed?offset=-1&tail=1"))[0];

        Assert.Equal((runId, "item", 3), (entry.GetProperty("runId").GetString(), entry.GetProperty("stepId").GetString(), entry.GetProperty("loopIndex").GetInt32()));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("many")]
    public async Task ABadTail_IsInvalidInput(string tail)
    {
        var (status, body) = await Http.GetErrorAsync($"api/runs/feed?offset=-1&tail={tail}");

        Assert.Equal((int)HttpStatusCode.BadRequest, status);
        Assert.Equal("INVALID_INPUT", body.GetProperty("error").GetProperty("code").GetString());
    }
}
