using System.Net;
using System.Text.Json;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary><c>GET /api/search</c>: words inside runs' payloads and log lines, found where they are, on each store.</summary>
public abstract class SearchTests(RunsServiceFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private async Task<List<JsonElement>> HitsAsync(string query) =>
        (await Http.GetJsonAsync("api/search?" + query)).GetProperty("items").EnumerateArray().ToList();

    private static string Marked(JsonElement hit)
    {
        var snippet = hit.GetProperty("snippet").GetString()!;
        return string.Join("|", hit.GetProperty("matches").EnumerateArray().Select(m => snippet.Substring(m.GetProperty("start").GetInt32(), m.GetProperty("length").GetInt32())));
    }

    [Fact]
    public async Task AValueInAStepOutput_IsFoundAtItsStepAttemptAndField_WithTheMatchMarked()
    {
        var token = "zq" + Guid.NewGuid().ToString("N")[..10];
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started("wf-search"), StepStarted("lookup", input: "{\"customer\":\"Ada\"}")));
        await Http.PostOkAsync(runId, Batch(StepCompleted("lookup", output: $"{{\"invoice\":\"INV-{token}\",\"total\":12}}")));

        var page = await Http.GetJsonAsync("api/search?q=" + token);

        Assert.False(page.GetProperty("indexBehind").GetBoolean());
        var hit = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal(runId, hit.GetProperty("runId").GetString());
        Assert.Equal("wf-search", hit.GetProperty("workflowId").GetString());
        Assert.Equal("lookup", hit.GetProperty("stepId").GetString());
        Assert.Equal(1, hit.GetProperty("attempt").GetInt32());
        Assert.Equal("output", hit.GetProperty("field").GetString());
        Assert.Equal("running", hit.GetProperty("runStatus").GetString());
        Assert.Equal(token, Marked(hit), ignoreCase: true);
        Assert.Contains("\"invoice\"", hit.GetProperty("snippet").GetString());
    }

    [Fact]
    public async Task InALongPayload_TheSnippetIsAWindowAroundTheMatch_WithEveryTermMarked()
    {
        var token = "zw" + Guid.NewGuid().ToString("N")[..10];
        var runId = NewRunId();
        var filler = string.Join(' ', Enumerable.Range(0, 150).Select(i => "word" + i));
        await Http.PostOkAsync(runId, Batch(Started("wf-search"), StepStarted("s", input: $"{{\"text\":\"{filler} {token} Refund {filler}\"}}")));

        var hit = Assert.Single(await HitsAsync($"q=refund%20{token.ToUpperInvariant()}"));
        var snippet = hit.GetProperty("snippet").GetString()!;

        Assert.StartsWith("…", snippet);
        Assert.EndsWith("…", snippet);
        Assert.True(snippet.Length < 260, snippet);
        Assert.Equal($"{token}|Refund", Marked(hit));
    }

    [Fact]
    public async Task EveryKindOfPayload_IsSearched_AndEachHitNamesItsField()
    {
        var token = "zk" + Guid.NewGuid().ToString("N")[..10];
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(
            Started("wf-search", extra: $"\"input\":{{\"ticket\":\"{token}-runinput\"}}"),
            StepStarted("fetch", input: $"{{\"q\":\"{token}-input\"}}"),
            StepFailed("fetch", 1, $"timeout talking to {token}-error"),
            StepStarted("fetch", 2),
            $$$"""{"type":"step_completed","timestamp":"{{{Time()}}}","stepId":"fetch","attempt":2,"output":{"v":"{{{token}}}-output"},"mappedOutput":{"m":"{{{token}}}-mapped"}}""",
            $$"""{"type":"log","timestamp":"{{Time()}}","level":"warn","message":"retrying after {{token}}-log","stepId":"fetch","attempt":2}""",
            StepStarted("each", loopIndex: 3, input: $"{{\"item\":\"{token}-loop\"}}")));
        await Http.PostOkAsync(runId, Batch($$$"""{"type":"run_completed","timestamp":"{{{Time()}}}","result":{"r":"{{{token}}}-result"}}"""));

        var hits = await HitsAsync($"q={token}&limit=100");
        var found = hits.Select(h => (
            Field: h.GetProperty("field").GetString(),
            Step: h.TryGetProperty("stepId", out var s) ? s.GetString() : null,
            Attempt: h.TryGetProperty("attempt", out var a) ? a.GetInt32() : (int?)null,
            Loop: h.TryGetProperty("loopIndex", out var l) ? l.GetInt32() : (int?)null)).ToHashSet();

        Assert.Equal(new HashSet<(string?, string?, int?, int?)>
        {
            ("runInput", null, null, null),
            ("input", "fetch", 1, null),
            ("error", "fetch", 1, null),
            ("output", "fetch", 2, null),
            ("mappedOutput", "fetch", 2, null),
            ("log", "fetch", 2, null),
            ("input", "each", 1, 3),
            ("result", null, null, null),
        }, found);
        Assert.All(hits, h => Assert.Equal("completed", h.GetProperty("runStatus").GetString()));
        Assert.Equal(1, hits.Single(h => h.GetProperty("field").GetString() == "log").GetProperty("logSeq").GetInt64());
    }

    [Fact]
    public async Task AStepThatChanges_IsFoundByItsLatestPayloads_NotTwice()
    {
        var token = "zr" + Guid.NewGuid().ToString("N")[..10];
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started("wf-search"), StepStarted("s", input: $"{{\"a\":\"{token}\"}}")));
        await Http.PostOkAsync(runId, Batch($$"""{"type":"log","timestamp":"{{Time()}}","level":"info","message":"between"}"""));
        await Http.PostOkAsync(runId, Batch(StepCompleted("s", output: $"{{\"b\":\"{token}\"}}")));

        var hits = await HitsAsync("q=" + token);

        Assert.Equal(["output", "input"], hits.Select(h => h.GetProperty("field").GetString()).Order(StringComparer.Ordinal).Reverse());
    }

    [Fact]
    public async Task AllWordsMustBeInOnePayload_AndAQuotedPhraseInOrder()
    {
        var token = "zp" + Guid.NewGuid().ToString("N")[..10];
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started("wf-search"),
            StepStarted("a", input: $"{{\"note\":\"{token} card declined by issuer\"}}"),
            StepStarted("b", input: $"{{\"note\":\"{token} declined, card expired\"}}")));

        Assert.Equal(2, (await HitsAsync($"q={token}%20declined%20card")).Count);
        var phrase = Assert.Single(await HitsAsync($"q={token}%20%22card%20declined%22"));
        Assert.Equal("a", phrase.GetProperty("stepId").GetString());
        Assert.Empty(await HitsAsync($"q={token}%20nowhere"));
        // Operators of the index's own syntax are words like any other, not syntax.
        Assert.Empty(await HitsAsync($"q={token}%20OR%20NEAR(x)%20*"));
    }

    [Fact]
    public async Task WorkflowAndTimeFilters_Narrow_AndPagesFollowTheCursor()
    {
        var token = "zf" + Guid.NewGuid().ToString("N")[..10];
        var runs = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var runId = NewRunId();
            runs.Add(runId);
            await Http.PostOkAsync(runId, Batch(Started(i < 3 ? "wf-search-a" : "wf-search-b"), StepStarted("s", input: $"{{\"k\":\"{token}\"}}")));
        }

        Assert.Equal(3, (await HitsAsync($"q={token}&workflowId=wf-search-a")).Count);
        Assert.Empty(await HitsAsync($"q={token}&to=2000-01-01T00:00:00Z"));
        Assert.Equal(5, (await HitsAsync($"q={token}&from=2000-01-01T00:00:00Z")).Count);

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await Http.GetJsonAsync($"api/search?q={token}&limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(h => h.GetProperty("runId").GetString()!));
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);
        // Newest first, each once.
        Assert.Equal(Enumerable.Reverse(runs), seen);
    }

    [Fact]
    public async Task ARunsStringsComeBackAsStored_TheirMarkupInert()
    {
        var token = "zs" + Guid.NewGuid().ToString("N")[..10];
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started("wf-search"), StepStarted("s", input: $"{{\"html\":\"<script>alert('{token}')</script>\"}}")));

        var hit = Assert.Single(await HitsAsync("q=" + token));

        Assert.Contains($"<script>alert('{token}')</script>", hit.GetProperty("snippet").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("q=")]
    [InlineData("q=%22%22%20*%20!")]
    [InlineData("q=a&cursor=abc")]
    [InlineData("q=a&cursor=-5")]
    [InlineData("q=a&limit=0")]
    [InlineData("q=a&limit=500")]
    [InlineData("q=a&from=yesterday")]
    [InlineData("q=a%20b%20c%20d%20e%20f%20g%20h%20i")]
    public async Task ABadQuery_IsInvalidInput(string query)
    {
        var (status, body) = await Http.GetErrorAsync("api/search?" + query);

        Assert.Equal((int)HttpStatusCode.BadRequest, status);
        Assert.Equal("INVALID_INPUT", body.GetProperty("error").GetProperty("code").GetString());
    }
}
