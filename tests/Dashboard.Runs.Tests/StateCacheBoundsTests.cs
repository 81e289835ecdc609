using System.Text.Json;
using Dashboard.Testing;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary>
/// A service whose run state cache holds less than the runs being reported (<c>Runs:StateCacheMegabytes</c>): each batch
/// finds its run let go of and replays its stream, and every run still comes out whole, retries and resends included.
/// </summary>
public sealed class StateCacheBoundsTests
{
    private const int Runs = 3;
    private const int Batches = 12;
    private const int StepsPerBatch = 50;

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task RunsReportedInTurn_EachBiggerThanTheCacheHolds_ComeOutWhole(string store)
    {
        string[] arguments = [.. await Stores.ArgumentsAsync(store), "--Runs:StateCacheMegabytes", "1", "--Logging:LogLevel:Default", "Warning"];
        await using var service = await AppProcess.StartAsync("Dashboard.Runs", arguments);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        var runs = Enumerable.Range(0, Runs).Select(_ => NewRunId("bounded")).ToList();

        for (var batch = 0; batch < Batches; batch++)
        {
            foreach (var runId in runs)
            {
                var events = new List<string>();
                if (batch == 0)
                {
                    events.Add(Started("wf-bounded"));
                }
                for (var i = batch * StepsPerBatch; i < (batch + 1) * StepsPerBatch; i++)
                {
                    events.Add(WithEventId(StepStarted($"s{i}", input: """{"q":"question"}"""), $"{runId}-{i}-a"));
                    events.Add(WithEventId(StepCompleted($"s{i}", output: """{"a":"answer"}""", cost: "0.001", model: "gpt-4o-mini"), $"{runId}-{i}-b"));
                }
                // A retry announced in one batch and made in the next: the failed attempt must come back from the stream.
                events.Add(StepStarted($"poll", attempt: batch + 1));
                events.Add(StepFailed($"poll", attempt: batch + 1, willRetry: true));
                await http.PostOkAsync(runId, Batch([.. events]));
            }
        }

        // The other runs' batches came in between: this resend finds a run replayed from its stream, and is a duplicate.
        var resend = await http.PostEventsAsync(runs[0], Batch(WithEventId(StepStarted("s0"), $"{runs[0]}-0-a")));
        Assert.True(resend.IsSuccessStatusCode);
        Assert.Equal(1, JsonDocument.Parse(await resend.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("duplicates").GetInt32());
        foreach (var runId in runs)
        {
            await http.PostOkAsync(runId, Batch(StepStarted("poll", attempt: Batches + 1), StepCompleted("poll", attempt: Batches + 1), RunCompleted()));
        }

        foreach (var runId in runs)
        {
            var run = await http.GetJsonAsync($"api/runs/{runId}");
            Assert.Equal("completed", run.GetProperty("status").GetString());
            Assert.Equal(Batches * StepsPerBatch + 1, run.GetProperty("stepCount").GetInt32());
            var poll = await http.GetJsonAsync($"api/runs/{runId}/steps/poll/trace?attempt=all");
            Assert.Equal(Batches + 1, poll.GetProperty("attempts").GetArrayLength());
            Assert.Equal(Batches, poll.GetProperty("attempts").EnumerateArray().Count(a => a.GetProperty("status").GetString() == "failed"));
        }
        // The service said it let go of running runs to stay within its budget: the runs above were replayed, not held.
        Assert.Contains(service.Output, line => line.Contains("let go of", StringComparison.Ordinal) && line.Contains("running runs", StringComparison.Ordinal));
    }

    private static string WithEventId(string json, string eventId) => "{\"eventId\":\"" + eventId + "\"," + json[1..];
}
