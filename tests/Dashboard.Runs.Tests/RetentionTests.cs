using System.Globalization;
using System.Net;
using System.Text;
using static Dashboard.Runs.Tests.Api;
using Dashboard.Testing;

namespace Dashboard.Runs.Tests;

/// <summary><c>Runs:RetentionDays</c> on a real service, on each store: ended runs past it go (stream and rows), everything else stays.</summary>
public sealed class RetentionTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string Ts(DateTimeOffset at) => at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static async Task ReportAsync(HttpClient http, string runId, DateTimeOffset started, bool ended)
    {
        var events = new StringBuilder($$"""[{"type":"run_started","timestamp":"{{Ts(started)}}","workflowId":"wf-retention"}""");
        events.Append(CultureInfo.InvariantCulture, $$$""",{"type":"step_started","timestamp":"{{{Ts(started.AddSeconds(1))}}}","stepId":"a","input":{"marker":"zretained"}}""");
        if (ended)
        {
            events.Append(CultureInfo.InvariantCulture, $$""",{"type":"step_completed","timestamp":"{{Ts(started.AddSeconds(2))}}","stepId":"a","modelUsed":"retention-model"}""");
            events.Append(CultureInfo.InvariantCulture, $$""",{"type":"run_completed","timestamp":"{{Ts(started.AddSeconds(3))}}"}""");
        }
        using var response = await http.PostAsync($"api/runs/{runId}/events", new StringContent(events.Append(']').ToString(), Encoding.UTF8, "application/json"), Token);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Token));
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task EndedRunsOlderThanTheRetention_AreDeleted_WithTheirStreams_OthersStay(string store)
    {
        var storage = await Stores.ArgumentsAsync(store);
        await using var service = await AppProcess.StartAsync("Dashboard.Runs",
            [.. storage, "--Runs:RetentionDays", "7", "--Runs:RetentionSweepSeconds", "1", "--Logging:LogLevel:Default", "Warning"]);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        var now = DateTimeOffset.UtcNow;
        // More than one sweep batch of old ended runs, an old run still going, and a recent ended one.
        for (var i = 0; i < 60; i++)
        {
            await ReportAsync(http, $"old-{i}", now.AddDays(-10).AddMinutes(i), ended: true);
        }
        await ReportAsync(http, "old-running", now.AddDays(-10), ended: false);
        await ReportAsync(http, "recent", now.AddDays(-1), ended: true);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await http.GetAsync("api/runs/old-59", Token)).StatusCode != HttpStatusCode.NotFound)
        {
            Assert.True(DateTime.UtcNow < deadline, "the old runs were not deleted");
            await Task.Delay(100, Token);
        }

        foreach (var gone in (string[])["api/runs/old-0", "api/runs/old-0/trace", "api/runs/old-0/events?offset=-1", "api/runs/old-30/timeline"])
        {
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(gone, Token)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/runs/old-running", Token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/runs/recent/trace", Token)).StatusCode);
        var list = await http.GetStringAsync("api/runs?workflowId=wf-retention&limit=100", Token);
        Assert.DoesNotContain("\"old-", list.Replace("\"old-running\"", "", StringComparison.Ordinal), StringComparison.Ordinal);
        // The status chips' counts lose the deleted runs too (kept by the store as runs go, not counted at each read).
        var counts = System.Text.Json.JsonDocument.Parse(list).RootElement.GetProperty("statusCounts");
        Assert.Equal((1, 1), (counts.GetProperty("completed").GetInt32(), counts.GetProperty("running").GetInt32()));
        Assert.Contains("\"recent\"", list, StringComparison.Ordinal);
        Assert.Equal(["recent"], (await http.GetJsonAsync("api/runs?model=retention-model")).GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        // Their payloads left the search index with them.
        var hits = (await http.GetJsonAsync("api/search?q=zretained&limit=100")).GetProperty("items").EnumerateArray();
        Assert.Equal(["old-running", "recent"], hits.Select(h => h.GetProperty("runId").GetString()).Order(StringComparer.Ordinal));
        if (store == "sqlite")
        {
            // Gone from the index's own file too, not only hidden from the search's answer (which leaves out runs it cannot find).
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(service.DataDirectory, "runs.search.db")};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var count = connection.CreateCommand();
            count.CommandText = "SELECT count(*) FROM run_search WHERE run_id LIKE 'old-%' AND run_id <> 'old-running'";
            Assert.Equal(0L, (long)count.ExecuteScalar()!);
            // And the models they called from the runs' file (the list's model filter).
            using var runs = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(service.DataDirectory, "runs.db")};Mode=ReadOnly;Pooling=False");
            runs.Open();
            using var models = runs.CreateCommand();
            models.CommandText = "SELECT count(*) FROM run_models WHERE model = 'retention-model'";
            Assert.Equal(1L, (long)models.ExecuteScalar()!);
        }
    }
}
