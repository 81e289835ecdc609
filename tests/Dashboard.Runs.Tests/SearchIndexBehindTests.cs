using System.Text.Json;
using Dashboard.Testing;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary>
/// A search catches the index up with what was stored before it, for at most <c>Runs:SearchCatchUpMs</c>. Under
/// ingestion heavier than the indexer keeps up with, it answers from the index as it is and says so, rather than wait
/// for the whole backlog (which took more than a minute on PostgreSQL in the ingest benchmark).
/// </summary>
public sealed class SearchIndexBehindTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("search-behind-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task ASearchThatMayNotWait_AnswersFromTheIndexAsItIs_AndSaysItIsBehind(string store)
    {
        var storage = await Stores.ArgumentsAsync(store);
        var token = "zb" + Guid.NewGuid().ToString("N")[..10];
        var runId = NewRunId();

        // No background indexing during the test, and a search that may not spend any time catching up.
        string[] behind = [.. storage, "--Runs:SearchIndexIntervalMs", "3600000", "--Runs:SearchCatchUpMs", "0", "--Logging:LogLevel:Default", "Warning"];
        await using (var service = await AppProcess.StartAsync("Dashboard.Runs", behind, _data))
        {
            using var http = new HttpClient { BaseAddress = service.BaseAddress };
            await http.PostOkAsync(runId, Batch(Started("wf-behind"), StepStarted("lookup", input: $"{{\"ref\":\"{token}\"}}")));

            var page = await http.GetJsonAsync("api/search?q=" + token);

            Assert.Empty(page.GetProperty("items").EnumerateArray());
            Assert.True(page.GetProperty("indexBehind").GetBoolean());
        }

        // The same data with the default wait: the search catches the index up first, finds the step and is not behind.
        string[] waits = [.. storage, "--Runs:SearchIndexIntervalMs", "3600000", "--Logging:LogLevel:Default", "Warning"];
        await using (var service = await AppProcess.StartAsync("Dashboard.Runs", waits, _data))
        {
            using var http = new HttpClient { BaseAddress = service.BaseAddress };

            var page = await http.GetJsonAsync("api/search?q=" + token);

            var hit = Assert.Single(page.GetProperty("items").EnumerateArray());
            Assert.Equal(runId, hit.GetProperty("runId").GetString());
            Assert.Equal("input", hit.GetProperty("field").GetString());
            Assert.False(page.GetProperty("indexBehind").GetBoolean());
        }
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task ASearchWithNothingLeftToIndex_IsNotBehind_EvenWhenItMayNotWait(string store)
    {
        string[] args = [.. await Stores.ArgumentsAsync(store), "--Runs:SearchCatchUpMs", "0", "--Logging:LogLevel:Default", "Warning"];
        await using var service = await AppProcess.StartAsync("Dashboard.Runs", args, _data);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };

        // Before any run: nothing to index.
        Assert.False((await http.GetJsonAsync("api/search?q=anything")).GetProperty("indexBehind").GetBoolean());

        var token = "zn" + Guid.NewGuid().ToString("N")[..10];
        await http.PostOkAsync(NewRunId(), Batch(Started("wf-behind"), StepStarted("lookup", input: $"{{\"ref\":\"{token}\"}}")));
        // The background indexer (every 250 ms) catches up by itself; once it has, a search that may not wait is whole.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        JsonElement page;
        while ((page = await http.GetJsonAsync("api/search?q=" + token)).GetProperty("indexBehind").GetBoolean())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "the background indexer had not caught up after 30 s");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        Assert.Single(page.GetProperty("items").EnumerateArray());
    }
}
