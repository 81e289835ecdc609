using System.Net;
using System.Text.Json;
using Dashboard.Model.Insights;
using Dashboard.Testing;
using Npgsql;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary>Two runs-service instances on one PostgreSQL database, started together (their migrations race).</summary>
public class TwoInstancesFixture : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = null!;

    public AppProcess A { get; private set; } = null!;

    public AppProcess B { get; private set; } = null!;

    public HttpClient HttpA { get; private set; } = null!;

    public HttpClient HttpB { get; private set; } = null!;

    protected virtual string[] ExtraArguments => [];

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await SharedPostgres.NewDatabaseAsync("instances");
        // Heartbeats far apart: a live reader on one instance gets another's append only by being woken.
        string[] arguments =
        [
            "--Storage:Provider", "PostgreSql", "--ConnectionStrings:Runs", ConnectionString,
            "--Streams:SseHeartbeatMs", "600000", "--Streams:LongPollTimeoutMs", "60000", "--Logging:LogLevel:Default", "Warning",
            .. ExtraArguments,
        ];
        var a = AppProcess.StartAsync("Dashboard.Runs", arguments);
        var b = AppProcess.StartAsync("Dashboard.Runs", arguments);
        (A, B) = (await a, await b);
        HttpA = new HttpClient { BaseAddress = A.BaseAddress };
        HttpB = new HttpClient { BaseAddress = B.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
    }

    public async ValueTask DisposeAsync()
    {
        HttpA.Dispose();
        HttpB.Dispose();
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}

public sealed class PostgreSqlInstancesTests(TwoInstancesFixture instances) : IClassFixture<TwoInstancesFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ARunReportedThroughOneInstance_IsLiveOnTheOther()
    {
        var runId = NewRunId();
        await instances.HttpA.PostOkAsync(runId, Batch(Started(), StepStarted("fetch")));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var response = await instances.HttpB.GetAsync($"api/runs/{runId}/events?offset=-1&live=sse", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        // Caught up on B: from here on, B's reader waits at the tail.
        await ReadUntilAsync(lines, line => line.Contains("\"upToDate\":true", StringComparison.Ordinal), timeout.Token);

        await instances.HttpA.PostOkAsync(runId, Batch(StepCompleted("fetch", output: """{"ok":true}""")));

        await ReadUntilAsync(lines, line => line.Contains("step_completed", StringComparison.Ordinal), timeout.Token);
        var record = await instances.HttpB.GetJsonAsync($"api/runs/{runId}");
        Assert.Equal(1, record.GetProperty("stepCount").GetInt32());
        Assert.Contains(runId, (await instances.HttpB.GetJsonAsync("api/runs?limit=100")).GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task ABatchResentToTheOtherInstance_IsStoredOnce()
    {
        var runId = NewRunId();
        var batch = Batch(Started(), StepStarted("a"));
        var producer = Producer("engine-1", 0, 0);

        using var first = await instances.HttpA.PostEventsAsync(runId, batch, producer);
        using var again = await instances.HttpB.PostEventsAsync(runId, batch, producer);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, again.StatusCode));
        Assert.True(JsonDocument.Parse(await again.Content.ReadAsStringAsync(Token)).RootElement.GetProperty("duplicateBatch").GetBoolean());
        Assert.Equal(2, (await instances.HttpA.GetJsonAsync($"api/runs/{runId}/events?offset=-1")).GetArrayLength());
    }

    [Fact]
    public async Task OneRunReportedThroughBothInstancesInTurn_KeepsEveryStepOnce()
    {
        // Each instance keeps the run's state in memory between batches: the other's appends must not be lost or
        // reduced twice when it reports the next batch.
        var runId = NewRunId();
        await instances.HttpA.PostOkAsync(runId, Batch(Started()));
        for (var i = 0; i < 6; i++)
        {
            var http = i % 2 == 0 ? instances.HttpB : instances.HttpA;
            await http.PostOkAsync(runId, Batch(StepStarted($"s{i}"), StepCompleted($"s{i}", cost: "0.001")));
        }
        await instances.HttpB.PostOkAsync(runId, Batch(RunCompleted()));

        foreach (var http in new[] { instances.HttpA, instances.HttpB })
        {
            var record = await http.GetJsonAsync($"api/runs/{runId}");
            Assert.Equal(("completed", 6, "0.006"), (record.GetProperty("status").GetString(), record.GetProperty("stepCount").GetInt32(), record.GetProperty("costUsd").GetString()));
            var steps = (await http.GetJsonAsync($"api/runs/{runId}/trace")).GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("stepId").GetString()).ToList();
            Assert.Equal(["s0", "s1", "s2", "s3", "s4", "s5"], steps);
            Assert.Equal(14, (await http.GetJsonAsync($"api/runs/{runId}/events?offset=-1")).GetArrayLength());
        }
    }

    [Fact]
    public async Task ConcurrentBatchesOfOneRunThroughBothInstances_AreAllStored()
    {
        var runId = NewRunId();
        await instances.HttpA.PostOkAsync(runId, Batch(Started()));
        // Twenty steps at once, half through each instance: each reduces on the state it knows, and one that finds the
        // stream moved on reads it again and retries.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            (i % 2 == 0 ? instances.HttpA : instances.HttpB).PostOkAsync(runId, Batch(StepStarted($"p{i}"), StepCompleted($"p{i}")))));

        var trace = await instances.HttpA.GetJsonAsync($"api/runs/{runId}/trace");
        Assert.Equal(20, trace.GetProperty("steps").GetArrayLength());
        Assert.Equal(20, (await instances.HttpB.GetJsonAsync($"api/runs/{runId}")).GetProperty("stepCount").GetInt32());
    }

    [Fact]
    public async Task ManyRunsOfOneWorkflowAtOnce_ThroughBothInstances_AreStoredExactly()
    {
        // Writers of different runs proceed together on PostgreSQL (each stream's row is its lock), while they share the
        // workflow's aggregate rows: every run and every count must come out whole.
        var workflow = $"wf-many-{Guid.NewGuid():N}";
        var runs = Enumerable.Range(0, 30).Select(_ => NewRunId("many")).ToList();
        await Task.WhenAll(runs.Select(async (runId, r) =>
        {
            var http = r % 2 == 0 ? instances.HttpA : instances.HttpB;
            await http.PostOkAsync(runId, Batch(Started(workflow)));
            for (var i = 0; i < 5; i++)
            {
                await http.PostOkAsync(runId, Batch(StepStarted($"s{i}"), StepCompleted($"s{i}", cost: "0.001")));
            }
            await http.PostOkAsync(runId, Batch(RunCompleted()));
        }));

        foreach (var runId in runs)
        {
            var record = await instances.HttpA.GetJsonAsync($"api/runs/{runId}");
            Assert.Equal(("completed", 5, "0.005"), (record.GetProperty("status").GetString(), record.GetProperty("stepCount").GetInt32(), record.GetProperty("costUsd").GetString()));
        }
        var summary = await instances.HttpB.GetJsonAsync($"api/insights/summary?workflowId={workflow}&from=2026-11-01T00:00:00Z&to=2026-12-31T00:00:00Z");
        Assert.Equal((30, 30, "0.15"), (summary.GetProperty("runs").GetInt32(), summary.GetProperty("byStatus").GetProperty("completed").GetInt32(), summary.GetProperty("costUsd").GetString()));
        var steps = await instances.HttpA.GetJsonAsync($"api/insights/steps?workflowId={workflow}&from=2026-11-01T00:00:00Z&to=2026-12-31T00:00:00Z");
        Assert.All(steps.GetProperty("steps").EnumerateArray(), step => Assert.Equal(30, step.GetProperty("attempts").GetInt32()));
        Assert.Equal(5, steps.GetProperty("steps").GetArrayLength());

        // Both instances stored deltas and either may have added them (in turn, one pass holding the turn row at a time):
        // the counts above are exact, so none was added twice or lost, and nothing stored before the reads is left pending.
        await using var connection = new NpgsqlConnection(instances.ConnectionString);
        await connection.OpenAsync(Token);
        await using var pending = new NpgsqlCommand("SELECT count(*) FROM insight_pending", connection);
        Assert.Equal(0L, (long)(await pending.ExecuteScalarAsync(Token))!);
    }

    [Fact]
    public async Task BothInstancesIndexing_EachDocumentIsWrittenOnce_AndASearchOnEitherFindsWhatTheOtherStored()
    {
        // Both instances' background indexers follow the feed (each pass locks the place first; one that finds it held
        // skips its turn); a search on either catches up first, waiting for the other's pass if it holds the place.
        var token = "zi" + Guid.NewGuid().ToString("N")[..10];
        var runs = Enumerable.Range(0, 24).Select(_ => NewRunId("indexed")).ToList();
        await Task.WhenAll(runs.Select(async (runId, r) =>
        {
            var http = r % 2 == 0 ? instances.HttpA : instances.HttpB;
            await http.PostOkAsync(runId, Batch(Started("wf-indexed"), StepStarted("lookup", input: $"{{\"ticket\":\"{token}\"}}")));
            await http.PostOkAsync(runId, Batch(StepCompleted("lookup", output: $"{{\"answer\":\"{token} done\"}}")));
        }));

        foreach (var http in new[] { instances.HttpB, instances.HttpA })
        {
            var hits = (await http.GetJsonAsync($"api/search?q={token}&limit=100")).GetProperty("items").EnumerateArray()
                .Select(h => (h.GetProperty("runId").GetString(), h.GetProperty("field").GetString())).ToList();
            // One input and one output document per run, none twice.
            Assert.Equal(runs.Count * 2, hits.Count);
            Assert.Equal(runs.Order(StringComparer.Ordinal), hits.Select(h => h.Item1!).Distinct().Order(StringComparer.Ordinal));
            Assert.Equal(hits.Count, hits.Distinct().Count());
        }
        await using var connection = new NpgsqlConnection(instances.ConnectionString);
        await connection.OpenAsync(Token);
        await using var documents = new NpgsqlCommand("SELECT count(*) FROM run_search WHERE run_id = ANY(@runs)", connection);
        documents.Parameters.AddWithValue("runs", runs.ToArray());
        Assert.Equal(runs.Count * 2L, (long)(await documents.ExecuteScalarAsync(Token))!);
    }

    [Fact]
    public async Task HistogramMerge_InPostgreSql_IsTheSameAsTheModels()
    {
        // SQLite merges stored duration histograms with DurationHistogram.Merge; PostgreSQL with its own SQL function.
        var random = new Random(7);
        await using var connection = new NpgsqlConnection(instances.ConnectionString);
        await connection.OpenAsync(Token);
        var wide = DurationHistogram.Of([0, 5, 5, 900, 70_000, 4_000_000]);
        // What ingestion adds most: one duration, into a bin the stored histogram has, or before, between or after its bins.
        (byte[]? Stored, byte[]? Addition)[] edges =
        [
            (wide, DurationHistogram.Of([5])), (wide, DurationHistogram.Of([0])), (wide, DurationHistogram.Of([4_000_000])),
            (wide, DurationHistogram.Of([1])), (wide, DurationHistogram.Of([1_000])), (wide, DurationHistogram.Of([9_000_000])),
            ([], DurationHistogram.Of([42])), (null, DurationHistogram.Of([42])), (wide, []), (wide, DurationHistogram.Of([5, 5, 1, 9_000_000])),
        ];
        var randoms = Enumerable.Range(0, 80).Select(i => (
            Stored: i % 10 == 0 ? null : DurationHistogram.Of(Enumerable.Range(0, random.Next(0, 40)).Select(_ => (long)random.Next(0, 5_000_000))),
            Addition: i % 7 == 0 ? null : DurationHistogram.Of(Enumerable.Range(0, random.Next(1, i % 2 == 0 ? 2 : 40)).Select(_ => (long)random.Next(0, 5_000_000)))));
        foreach (var (stored, addition) in edges.Concat(randoms))
        {
            await using var command = new NpgsqlCommand("SELECT hist_merge(@stored, @addition)", connection);
            command.Parameters.Add(new NpgsqlParameter("stored", NpgsqlTypes.NpgsqlDbType.Bytea) { Value = (object?)stored ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("addition", NpgsqlTypes.NpgsqlDbType.Bytea) { Value = (object?)addition ?? DBNull.Value });
            var merged = await command.ExecuteScalarAsync(Token);

            var expected = addition is null ? stored : DurationHistogram.Merge(stored ?? [], addition);
            Assert.Equal(expected, merged as byte[]);
        }
    }

    private static async Task ReadUntilAsync(StreamReader lines, Func<string, bool> found, CancellationToken cancellationToken)
    {
        while (await lines.ReadLineAsync(cancellationToken) is { } line)
        {
            if (found(line))
            {
                return;
            }
        }
        Assert.Fail("The stream ended first.");
    }
}

/// <summary>Two instances with keys and a small rate limit.</summary>
public sealed class RateLimitedInstancesFixture : TwoInstancesFixture
{
    public const string Key = "rate-key-0123456789abcdef";
    public const int PerMinute = 20;

    protected override string[] ExtraArguments =>
    [
        "--Runs:ApiKeys:0:Name", "engine", "--Runs:ApiKeys:0:Key", Key, "--Runs:ApiKeys:0:Scopes:0", "read",
        "--Runs:RateLimitPerMinute", PerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
    ];
}

public sealed class SharedRateLimitTests(RateLimitedInstancesFixture instances) : IClassFixture<RateLimitedInstancesFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<List<HttpResponseMessage>> ListAsync(HttpClient http, int times)
    {
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < times; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/runs?limit=1");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", RateLimitedInstancesFixture.Key);
            responses.Add(await http.SendAsync(request, Token));
        }
        return responses;
    }

    [Fact]
    public async Task AKeysRate_IsCountedOverBothInstances()
    {
        // The limit is per minute: start early in one, so the test's requests share a window.
        while (DateTimeOffset.UtcNow.Second > 45)
        {
            await Task.Delay(250, Token);
        }
        var throughA = await ListAsync(instances.HttpA, 15);
        Assert.All(throughA, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        // A adds its counts to the shared row within a fraction of a second; wait for it.
        await using (var connection = new NpgsqlConnection(instances.ConnectionString))
        {
            await connection.OpenAsync(Token);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (true)
            {
                Assert.False(timeout.IsCancellationRequested, "Instance A never added its counts to the shared rate limit.");
                await using var command = new NpgsqlCommand("SELECT coalesce(max(count), 0) FROM rate_windows WHERE partition = 'engine'", connection);
                if ((long)(await command.ExecuteScalarAsync(Token))! >= 15)
                {
                    break;
                }
                await Task.Delay(50, Token);
            }
        }

        var throughB = await ListAsync(instances.HttpB, 15);

        Assert.Equal(RateLimitedInstancesFixture.PerMinute - 15, throughB.Count(r => r.StatusCode == HttpStatusCode.OK));
        var refused = throughB.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(10, refused.Count);
        Assert.All(refused, r => Assert.True(r.Headers.RetryAfter?.Delta > TimeSpan.Zero));
        var body = JsonDocument.Parse(await refused[0].Content.ReadAsStringAsync(Token)).RootElement;
        Assert.Equal("RATE_LIMIT_EXCEEDED", body.GetProperty("error").GetProperty("code").GetString());
    }
}
