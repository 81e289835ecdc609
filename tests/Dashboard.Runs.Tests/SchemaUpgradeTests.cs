using System.Text.Json;
using Dashboard.Testing;
using Microsoft.Data.Sqlite;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

public sealed class SchemaUpgradeTests
{
    [Fact]
    public async Task AFileFromBeforeTheTimelineColumn_IsUpgradedAtStart_AndItsRunsReadAsBefore()
    {
        var data = Directory.CreateTempSubdirectory("runs-upgrade-").FullName;
        var args = new[] { "--Streams:DatabasePath", "{data}/runs.db", "--Logging:LogLevel:Default", "Warning" };
        var runId = NewRunId();
        try
        {
            await using (var before = await AppProcess.StartAsync("Dashboard.Runs", args, data))
            {
                using var http = new HttpClient { BaseAddress = before.BaseAddress };
                await http.PostOkAsync(runId, Batch(Started(), StepStarted("charge", input: "{\"amount\":42}"), StepCompleted("charge", output: "{\"receipt\":\"r-1\"}", cost: "0.5")));
            }
            // The file as the service wrote it before the column existed.
            using (var connection = new SqliteConnection($"Data Source={Path.Combine(data, "runs.db")};Pooling=False"))
            {
                connection.Open();
                using var drop = connection.CreateCommand();
                drop.CommandText = "ALTER TABLE run_steps DROP COLUMN timeline_json";
                drop.ExecuteNonQuery();
            }

            await using var after = await AppProcess.StartAsync("Dashboard.Runs", args, data);
            using var client = new HttpClient { BaseAddress = after.BaseAddress };
            var timeline = await client.GetJsonAsync($"api/runs/{runId}/timeline");
            var attempt = timeline.GetProperty("attempts").EnumerateArray().Single();
            Assert.Equal(("charge", "completed", "0.5"), (attempt.GetProperty("stepId").GetString(), attempt.GetProperty("status").GetString(), attempt.GetProperty("costUsd").GetString()));
            Assert.False(attempt.TryGetProperty("inputContext", out _));
            Assert.False(attempt.TryGetProperty("outputContext", out _));
            var step = await client.GetJsonAsync($"api/runs/{runId}/steps/charge/trace");
            Assert.Equal("r-1", step.GetProperty("outputContext").GetProperty("receipt").GetString());

            // And what is written from now on has the column too.
            await client.PostOkAsync(runId, Batch(StepStarted("notify", input: "{\"to\":\"ops\"}"), StepCompleted("notify")));
            var later = await client.GetJsonAsync($"api/runs/{runId}/timeline");
            Assert.Equal(["charge", "notify"], later.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("stepId").GetString()));
            Assert.All(later.GetProperty("attempts").EnumerateArray(), a => Assert.False(a.TryGetProperty("inputContext", out JsonElement _)));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task AFileFromBeforeTheInsights_GetsItsRunsCountedOnceAtStart()
    {
        var data = Directory.CreateTempSubdirectory("runs-upgrade-").FullName;
        var args = new[] { "--Streams:DatabasePath", "{data}/runs.db", "--Logging:LogLevel:Default", "Warning" };
        try
        {
            await using (var before = await AppProcess.StartAsync("Dashboard.Runs", args, data))
            {
                using var http = new HttpClient { BaseAddress = before.BaseAddress };
                await http.PostOkAsync(NewRunId(), Batch(Started("wf-old"), StepStarted("charge"), StepCompleted("charge", cost: "0.5"), RunCompleted()));
                await http.PostOkAsync(NewRunId(), Batch(Started("wf-old"), StepStarted("charge"), StepFailed("charge", willRetry: false), RunFailed("card declined 42")));
            }
            // The file as the service wrote it before the aggregates existed.
            using (var connection = new SqliteConnection($"Data Source={Path.Combine(data, "runs.db")};Pooling=False"))
            {
                connection.Open();
                using var drop = connection.CreateCommand();
                drop.CommandText = "DROP TABLE insight_runs; DROP TABLE insight_steps; DROP TABLE insight_failure_groups; DROP TABLE insight_failures; DROP TABLE insight_workflows;";
                drop.ExecuteNonQuery();
            }

            for (var start = 0; start < 2; start++)
            {
                // A second start must not count them again.
                await using var after = await AppProcess.StartAsync("Dashboard.Runs", args, data);
                using var client = new HttpClient { BaseAddress = after.BaseAddress };
                var period = "from=2026-11-01T00:00:00Z&to=2027-03-01T00:00:00Z&workflowId=wf-old";   // Api.Time() counts from 2026-11-23
                var summary = await client.GetJsonAsync($"api/insights/summary?{period}");
                var failures = await client.GetJsonAsync($"api/insights/failures?{period}");
                var steps = await client.GetJsonAsync($"api/insights/steps?{period}");

                Assert.Equal(2, summary.GetProperty("runs").GetInt64());
                Assert.Equal(1, summary.GetProperty("byStatus").GetProperty("failed").GetInt64());
                Assert.Equal("0.5", summary.GetProperty("costUsd").GetString());
                Assert.Equal("card declined 42", failures.GetProperty("groups")[0].GetProperty("message").GetString());
                Assert.Equal(2, steps.GetProperty("steps")[0].GetProperty("attempts").GetInt64());
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task AFileFromBeforeTheSearchIndex_GetsItsRunsIndexedOnceAtStart()
    {
        var data = Directory.CreateTempSubdirectory("runs-upgrade-").FullName;
        var args = new[] { "--Streams:DatabasePath", "{data}/runs.db", "--Logging:LogLevel:Default", "Warning" };
        var runId = NewRunId();
        try
        {
            await using (var before = await AppProcess.StartAsync("Dashboard.Runs", args, data))
            {
                using var http = new HttpClient { BaseAddress = before.BaseAddress };
                await http.PostOkAsync(runId, Batch(Started("wf-old"), StepStarted("charge", input: "{\"card\":\"zoldcard\"}"),
                    $$"""{"type":"log","timestamp":"{{Time()}}","level":"error","message":"zoldlog happened","stepId":"charge","attempt":1}""",
                    StepFailed("charge", willRetry: false), RunFailed("card declined 42")));
            }
            // The file as the service wrote it before the index existed.
            using (var connection = new SqliteConnection($"Data Source={Path.Combine(data, "runs.db")};Pooling=False"))
            {
                connection.Open();
                using var drop = connection.CreateCommand();
                drop.CommandText = "DROP TABLE run_search_text; DROP TABLE run_search; DROP TABLE run_search_progress;";
                drop.ExecuteNonQuery();
            }

            for (var start = 0; start < 2; start++)
            {
                // A second start must not index them again.
                await using var after = await AppProcess.StartAsync("Dashboard.Runs", args, data);
                using var client = new HttpClient { BaseAddress = after.BaseAddress };
                var fields = new List<string?>();
                foreach (var word in (string[])["zoldcard", "zoldlog", "declined"])
                {
                    var hits = (await client.GetJsonAsync($"api/search?q={word}")).GetProperty("items").EnumerateArray().ToList();
                    Assert.All(hits, h => Assert.Equal(runId, h.GetProperty("runId").GetString()));
                    fields.AddRange(hits.Select(h => h.GetProperty("field").GetString()));
                }
                Assert.Equal(["input", "log", "error"], fields);   // the step failed with "upstream 502", the run with "card declined 42"
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}
