using System.Text.Json;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary>Time ranges, keyset paging and bad queries; each test scopes itself to a workflow of its own.</summary>
public abstract class ListTests(RunsServiceFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private async Task<List<string>> IdsAsync(string query) =>
        (await Http.GetJsonAsync("api/runs?" + query)).GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToList();

    [Fact]
    public async Task TimeRange_FiltersOnStartTime()
    {
        var before = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.Parse(Time(), System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds());
        var runId = NewRunId("ranged");
        await Http.PostOkAsync(runId, Batch(Started("wf-range")));
        var after = DateTimeOffset.Parse(Time(), System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal([runId], await IdsAsync($"workflowId=wf-range&from={Uri.EscapeDataString(before.ToString("O"))}&to={Uri.EscapeDataString(after.ToString("O"))}"));
        Assert.Empty(await IdsAsync($"workflowId=wf-range&from={Uri.EscapeDataString(after.ToString("O"))}"));
    }

    [Fact]
    public async Task KeysetPages_StayStable_WhileRunsAreAdded()
    {
        var workflow = "wf-paging";
        for (var i = 0; i < 7; i++)
        {
            await Http.PostOkAsync($"page-{i}", Batch(Started(workflow)));
        }
        var seen = new List<string>();
        string? cursor = null;
        var added = 0;
        do
        {
            var page = await Http.GetJsonAsync($"api/runs?workflowId={workflow}&limit=3" + (cursor is null ? "" : $"&cursor={cursor}"));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString()!));
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
            // A new run arrives between pages: it is newer, so it must not shift or repeat what follows.
            await Http.PostOkAsync($"page-new-{added++}", Batch(Started(workflow)));
        }
        while (cursor is not null);

        Assert.Equal(Enumerable.Range(0, 7).Reverse().Select(i => $"page-{i}"), seen);
    }

    [Theory]
    [InlineData("status=exploded")]
    [InlineData("limit=0")]
    [InlineData("limit=201")]
    [InlineData("limit=ten")]
    [InlineData("cursor=not-a-cursor!")]
    [InlineData("from=yesterday")]
    [InlineData("sort=sideways")]
    public async Task BadQueries_AreInvalidInput(string query)
    {
        var (status, body) = await Http.GetErrorAsync("api/runs?" + query);
        Assert.Equal(400, status);
        Assert.Equal("INVALID_INPUT", body.GetProperty("error").GetProperty("code").GetString());
    }
}
