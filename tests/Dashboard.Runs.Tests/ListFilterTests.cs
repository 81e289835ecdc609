using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary>
/// The executions list's filters, sort and counts on a service of its own: the test asserts on the
/// whole unfiltered list, so no other test may add runs to this database.
/// </summary>
public abstract class ListFilterTests(RunsServiceFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private async Task<List<string>> SeedAsync()
    {
        var ids = new List<string>();
        // 12 runs: workflows alternate, every third fails, triggers alternate, one experiment; 1, 5 and 9 call gpt-4o,
        // 2 calls claude-x in its first batch and gpt-4o in its second.
        for (var i = 0; i < 12; i++)
        {
            var id = $"seed-{i:00}";
            var workflow = i % 2 == 0 ? "wf-alpha" : "wf-beta";
            var extra = $"\"triggerType\":\"{(i % 2 == 0 ? "api" : "schedule")}\"" + (i == 5 ? ",\"experimentId\":\"exp-1\"" : "");
            var events = new List<string> { Started(workflow, extra).Replace("\"triggerType\":\"api\",", "", StringComparison.Ordinal) };
            if (i == 2)
            {
                await Http.PostOkAsync(id, Batch([.. events, StepStarted("draft"), StepCompleted("draft", model: "claude-x")]));
                events.Clear();
            }
            if (i % 4 == 1 || i == 2)
            {
                events.AddRange([StepStarted("answer"), StepCompleted("answer", cost: "0.01", model: "gpt-4o")]);
            }
            events.Add(i % 3 == 0 ? RunFailed($"card declined {i}") : RunCompleted());
            await Http.PostOkAsync(id, Batch([.. events]));
            ids.Add(id);
        }
        return ids;
    }

    private async Task<List<string>> IdsAsync(string query) =>
        (await Http.GetJsonAsync("api/runs?" + query)).GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToList();

    [Fact]
    public async Task Filters_SortAndCounts()
    {
        await SeedAsync();

        Assert.Equal(Enumerable.Range(0, 12).Reverse().Select(i => $"seed-{i:00}"), await IdsAsync("limit=50"));
        Assert.Equal(["seed-09", "seed-06", "seed-03", "seed-00"], await IdsAsync("status=failed"));
        Assert.Equal(6, (await IdsAsync("workflowId=wf-alpha")).Count);
        Assert.Equal(["seed-11", "seed-09", "seed-07", "seed-05", "seed-03", "seed-01"], await IdsAsync("triggerType=schedule"));
        Assert.Equal(["seed-05"], await IdsAsync("experimentId=exp-1"));
        Assert.Equal(["seed-09"], await IdsAsync("q=declined%209"));
        Assert.Equal(["seed-03"], await IdsAsync("q=seed-03"));
        Assert.Equal(["seed-00", "seed-01"], (await IdsAsync("sort=asc&limit=2")));
        Assert.Equal(["seed-06", "seed-00"], await IdsAsync("status=failed&workflowId=wf-alpha"));
        // A run is listed under every model its steps called, whichever batch named it.
        Assert.Equal(["seed-09", "seed-05", "seed-02", "seed-01"], await IdsAsync("model=gpt-4o"));
        Assert.Equal(["seed-02"], await IdsAsync("model=claude-x"));
        Assert.Equal(["seed-09", "seed-05", "seed-01"], await IdsAsync("model=gpt-4o&workflowId=wf-beta"));
        Assert.Equal(["seed-09"], await IdsAsync("model=gpt-4o&status=failed"));
        Assert.Empty(await IdsAsync("model=%3Cscript%3E"));

        var first = await Http.GetJsonAsync("api/runs?workflowId=wf-alpha&status=failed");
        var counts = first.GetProperty("statusCounts");
        // Counts ignore the status filter itself, so each status chip can show its number.
        Assert.Equal((2, 4, 0), (counts.GetProperty("failed").GetInt32(), counts.GetProperty("completed").GetInt32(), counts.GetProperty("running").GetInt32()));

        // A page asked with its counts (one command of two statements) is the page asked without, on every filter.
        var second = (await Http.GetJsonAsync("api/runs?limit=5&counts=false")).GetProperty("nextCursor").GetString();
        foreach (var query in new[] { "limit=5", "limit=5&status=failed", "workflowId=wf-beta&status=completed&limit=2", "q=seed-0&limit=3",
            "triggerType=schedule&sort=asc&limit=4", "model=gpt-4o&limit=2", $"limit=5&cursor={second}" })
        {
            var with = await Http.GetJsonAsync($"api/runs?{query}&counts=true");
            var without = await Http.GetJsonAsync($"api/runs?{query}&counts=false");
            Assert.Equal(without.GetProperty("items").GetRawText(), with.GetProperty("items").GetRawText());
            Assert.Equal(without.TryGetProperty("nextCursor", out var a) ? a.GetString() : null, with.TryGetProperty("nextCursor", out var b) ? b.GetString() : null);
            Assert.True(with.TryGetProperty("statusCounts", out _));
            Assert.False(without.TryGetProperty("statusCounts", out _));
        }
        // And its counts are those of the runs the filter lists under every status, status by status: kept counts (no
        // filter, a workflow) and counted ones (any other filter) alike.
        foreach (var filter in new[] { "", "&workflowId=wf-beta", "&triggerType=schedule", "&q=seed-1", "&model=gpt-4o" })
        {
            var listed = (await Http.GetJsonAsync($"api/runs?limit=100&counts=false{filter}")).GetProperty("items").EnumerateArray()
                .GroupBy(r => r.GetProperty("status").GetString()!).ToDictionary(g => g.Key, g => g.Count());
            var counted = (await Http.GetJsonAsync($"api/runs?limit=1&status=running&counts=true{filter}")).GetProperty("statusCounts").EnumerateObject()
                .Where(c => c.Value.GetInt32() > 0).ToDictionary(c => c.Name, c => c.Value.GetInt32());
            Assert.Equal(listed.OrderBy(c => c.Key), counted.OrderBy(c => c.Key));
        }
    }
}
