using System.Collections.Concurrent;
using System.Text;
using Dashboard.Testing;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary>
/// A service killed (SIGKILL) while engines are reporting loses nothing it acknowledged: after a restart on the same
/// store, every batch that got a 200 is there, on either store.
/// </summary>
public sealed class CrashTests
{
    private const int Writers = 6;
    private const int AcknowledgedBeforeKill = 150;

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AKillUnderLoad_LosesNoAcknowledgedBatch(string store)
    {
        var storage = await Stores.ArgumentsAsync(store);
        string[] arguments = [.. storage, "--Logging:LogLevel:Default", "Warning"];
        await using var first = await AppProcess.StartAsync("Dashboard.Runs", arguments);

        // Each writer reports its own run, one step per batch, and notes the steps whose batch was acknowledged.
        var acknowledged = new ConcurrentDictionary<string, ConcurrentBag<string>>();
        var count = 0;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            using var http = new HttpClient { BaseAddress = first.BaseAddress };
            var runId = NewRunId("crash");
            var steps = acknowledged.GetOrAdd(runId, _ => []);
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var events = i == 0 ? Batch(Started("wf-crash"), StepStarted($"s{i}"), StepCompleted($"s{i}")) : Batch(StepStarted($"s{i}"), StepCompleted($"s{i}"));
                try
                {
                    using var content = new StringContent(events, Encoding.UTF8, "application/json");
                    using var response = await http.PostAsync($"api/runs/{runId}/events", content);
                    if (!response.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    return; // the service is gone: this batch was never acknowledged
                }
                steps.Add($"s{i}");
                Interlocked.Increment(ref count);
            }
        })).ToList();

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (Volatile.Read(ref count) < AcknowledgedBeforeKill)
            {
                Assert.False(timeout.IsCancellationRequested, $"Only {count} batches were acknowledged.");
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }
        }
        await first.KillAsync();
        stop.Cancel();
        await Task.WhenAll(writers);

        await using var second = await AppProcess.StartAsync("Dashboard.Runs", arguments, dataDirectory: first.DataDirectory);
        using var reader = new HttpClient { BaseAddress = second.BaseAddress };
        foreach (var (runId, steps) in acknowledged.Where(pair => !pair.Value.IsEmpty))
        {
            var trace = await reader.GetJsonAsync($"api/runs/{Uri.EscapeDataString(runId)}/trace");
            var stored = trace.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("stepId").GetString()).ToHashSet();
            Assert.Superset(steps.ToHashSet<string?>(), stored);
            // The projection agrees with the stream: two events per stored step, the run_started before them.
            Assert.Equal(1 + 2 * stored.Count, (await reader.GetJsonAsync($"api/runs/{Uri.EscapeDataString(runId)}/events?offset=-1")).GetArrayLength());
        }
        Assert.True(acknowledged.Values.Sum(s => s.Count) >= AcknowledgedBeforeKill);
    }
}
