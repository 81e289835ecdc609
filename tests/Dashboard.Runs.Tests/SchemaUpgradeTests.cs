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
}
