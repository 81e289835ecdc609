using System.Net;
using System.Text.Json;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary><c>GET /api/runs/{runId}/logs</c>: the log lines engines send, filtered and keyset-paged, on each store.</summary>
public abstract class LogsTests(RunsServiceFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private static string Log(string level, string message, string? stepId = null, int? attempt = null, int? loopIndex = null, string? extra = null) =>
        $$"""{"type":"log","timestamp":"{{Time()}}","level":"{{level}}","message":"{{message}}"{{(stepId is null ? "" : $",\"stepId\":\"{stepId}\"")}}{{(attempt is null ? "" : $",\"attempt\":{attempt}")}}{{(loopIndex is null ? "" : $",\"loopIndex\":{loopIndex}")}}{{(extra is null ? "" : "," + extra)}}}""";

    private async Task<List<JsonElement>> ItemsAsync(string runId, string query = "") =>
        (await Http.GetJsonAsync($"api/runs/{runId}/logs{query}")).GetProperty("items").EnumerateArray().ToList();

    private static IEnumerable<string?> Messages(IEnumerable<JsonElement> items) => items.Select(i => i.GetProperty("message").GetString());

    [Fact]
    public async Task LogLines_AreServedOldestFirst_AndFilteredByLevelStepAttemptIterationAndText()
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started(), StepStarted("fetch"), Log("debug", "connecting"), Log("info", "fetched 3 rows", "fetch", 1, extra: "\"orderId\":\"o-17\"")));
        await Http.PostOkAsync(runId, Batch(Log("warn", "slow response 2s", "fetch", 1), Log("error", "payment failed: Card declined", "charge", 2)));
        await Http.PostOkAsync(runId, Batch(Log("info", "item 1 done", "each-item", 1, loopIndex: 1)));

        var all = await ItemsAsync(runId);
        Assert.Equal(["connecting", "fetched 3 rows", "slow response 2s", "payment failed: Card declined", "item 1 done"], Messages(all));
        Assert.Equal([1L, 2, 3, 4, 5], all.Select(i => i.GetProperty("seq").GetInt64()));
        Assert.Equal(["debug", "info", "warn", "error", "info"], all.Select(i => i.GetProperty("level").GetString()));
        Assert.Equal("o-17", all[1].GetProperty("fields").GetProperty("orderId").GetString());
        Assert.Equal(("fetch", 1), (all[1].GetProperty("stepId").GetString(), all[1].GetProperty("attempt").GetInt32()));

        Assert.Equal(["slow response 2s", "payment failed: Card declined"], Messages(await ItemsAsync(runId, "?level=warn")));
        Assert.Equal(["payment failed: Card declined"], Messages(await ItemsAsync(runId, "?level=error")));
        Assert.Equal(["fetched 3 rows", "slow response 2s"], Messages(await ItemsAsync(runId, "?stepId=fetch")));
        Assert.Equal(["payment failed: Card declined"], Messages(await ItemsAsync(runId, "?stepId=charge&attempt=2")));
        Assert.Empty(await ItemsAsync(runId, "?stepId=charge&attempt=1"));
        Assert.Equal(["item 1 done"], Messages(await ItemsAsync(runId, "?loopIndex=1")));
        // Text anywhere in the message, whatever its case; % and _ are plain characters.
        Assert.Equal(["payment failed: Card declined"], Messages(await ItemsAsync(runId, "?q=card%20DECLINED")));
        Assert.Empty(await ItemsAsync(runId, "?q=%25"));
    }

    [Fact]
    public async Task Pages_FollowTheCursor_WithoutGapOrRepeat()
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started()));
        for (var batch = 0; batch < 5; batch++)
        {
            await Http.PostOkAsync(runId, Batch(Enumerable.Range(0, 5).Select(i => Log(i % 2 == 0 ? "info" : "warn", $"line {batch * 5 + i}")).ToArray()));
        }

        var seen = new List<string?>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await Http.GetJsonAsync($"api/runs/{runId}/logs?level=warn&limit=4" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(Messages(page.GetProperty("items").EnumerateArray()));
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(Enumerable.Range(0, 25).Where(i => i % 5 % 2 == 1).Select(i => $"line {i}"), seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task LinesAreListedByTheirTime_WhateverOrderTheyCameIn_AndPagedSo()
    {
        var runId = NewRunId();
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-5);
        string At(int seconds) => t0.AddSeconds(seconds).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
        string Line(int seconds, string message, string? stepId = null) =>
            $$"""{"type":"log","timestamp":"{{At(seconds)}}","level":"info","message":"{{message}}"{{(stepId is null ? "" : $",\"stepId\":\"{stepId}\"")}}}""";
        await Http.PostOkAsync(runId, $$"""[{"type":"run_started","timestamp":"{{At(0)}}","workflowId":"wf-logs"}]""");
        // The run's own lines first; a step's lines later, as OTLP stores them when the step's span ends.
        await Http.PostOkAsync(runId, $"[{Line(1, "planning")},{Line(5, "plan done")},{Line(9, "answer sent")}]");
        await Http.PostOkAsync(runId, $"[{Line(2, "search 1", "search")},{Line(3, "search 2", "search")},{Line(5, "search 3", "search")}]");

        var all = Messages((await Http.GetJsonAsync($"api/runs/{runId}/logs")).GetProperty("items").EnumerateArray());
        // Lines of one time in the order they came.
        Assert.Equal(["planning", "search 1", "search 2", "plan done", "search 3", "answer sent"], all);

        var seen = new List<string?>();
        string? cursor = null;
        do
        {
            var page = await Http.GetJsonAsync($"api/runs/{runId}/logs?limit=4" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(Messages(page.GetProperty("items").EnumerateArray()));
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
        }
        while (cursor is not null);
        Assert.Equal(all, seen);
        Assert.Equal(["search 2", "plan done"], Messages((await Http.GetJsonAsync($"api/runs/{runId}/logs?offset=2&limit=2")).GetProperty("items").EnumerateArray()));
        Assert.Equal(["search 2", "search 3"], Messages((await Http.GetJsonAsync($"api/runs/{runId}/logs?stepId=search&offset=1")).GetProperty("items").EnumerateArray()));
    }

    [Fact]
    public async Task TheFirstPage_CountsTheMatchingLines_AndAnOffsetJumpsPastThatMany()
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started()));
        await Http.PostOkAsync(runId, Batch(Enumerable.Range(0, 30).Select(i => Log(i % 3 == 0 ? "warn" : "info", $"line {i}")).ToArray()));

        var first = await Http.GetJsonAsync($"api/runs/{runId}/logs?limit=5");
        Assert.Equal(30, first.GetProperty("total").GetInt64());
        Assert.Equal(10, (await Http.GetJsonAsync($"api/runs/{runId}/logs?level=warn&offset=0")).GetProperty("total").GetInt64());
        Assert.Equal(0, (await Http.GetJsonAsync($"api/runs/{runId}/logs?q=nothing")).GetProperty("total").GetInt64());

        // Offsets count matching lines: the 4th warn line is line 9; later pages are not counted again.
        var jumped = await Http.GetJsonAsync($"api/runs/{runId}/logs?level=warn&offset=3&limit=2");
        Assert.Equal(["line 9", "line 12"], Messages(jumped.GetProperty("items").EnumerateArray()));
        Assert.False(jumped.TryGetProperty("total", out _));
        // The cursor it gives continues from there.
        var next = await Http.GetJsonAsync($"api/runs/{runId}/logs?level=warn&limit=2&cursor={jumped.GetProperty("nextCursor").GetString()}");
        Assert.Equal(["line 15", "line 18"], Messages(next.GetProperty("items").EnumerateArray()));
        Assert.False(next.TryGetProperty("total", out _));
        // Past the end: nothing, no cursor.
        var beyond = await Http.GetJsonAsync($"api/runs/{runId}/logs?offset=30");
        Assert.Empty(beyond.GetProperty("items").EnumerateArray());
        Assert.False(beyond.TryGetProperty("nextCursor", out _));
    }

    [Theory]
    [InlineData("offset=-1")]
    [InlineData("offset=x")]
    [InlineData("offset=2&cursor=1")]
    [InlineData("level=verbose")]
    [InlineData("attempt=0")]
    [InlineData("loopIndex=-1")]
    [InlineData("cursor=abc")]
    [InlineData("cursor=999999")]
    [InlineData("limit=0")]
    [InlineData("limit=5000")]
    public async Task ABadQuery_IsInvalidInput(string query)
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started(), Log("info", "hello")));

        var (status, body) = await Http.GetErrorAsync($"api/runs/{runId}/logs?{query}");

        Assert.Equal((int)HttpStatusCode.BadRequest, status);
        Assert.Equal("INVALID_INPUT", body.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task AnUnknownRun_IsNotFound()
    {
        var (status, body) = await Http.GetErrorAsync($"api/runs/{NewRunId()}/logs");

        Assert.Equal((int)HttpStatusCode.NotFound, status);
        Assert.Equal("RESOURCE_NOT_FOUND", body.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task SecretsInALogLine_AreMaskedBeforeTheyAreStored()
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started(), Log("info", "login with password=hunter2 then token: abc123, user=ana", extra: "\"api_key\":\"k-42\",\"request\":{\"Authorization\":\"Bearer s3cr3t\"}")));

        var line = Assert.Single(await ItemsAsync(runId));
        var stored = line.GetRawText() + await Http.GetStringAsync($"api/runs/{runId}/events?offset=-1", TestContext.Current.CancellationToken);
        foreach (var secret in new[] { "hunter2", "abc123", "k-42", "s3cr3t" })
        {
            Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        }
        Assert.Equal("login with password=[redacted] then token: [redacted], user=ana", line.GetProperty("message").GetString());
        Assert.Equal("[redacted]", line.GetProperty("fields").GetProperty("api_key").GetString());
    }
}
