using System.Text;
using Dashboard.Model.Runs;
using Dashboard.Runs.Ingestion;
using Dashboard.Streams.Core;
using Dashboard.Streams.Storage;

namespace Dashboard.Runs.Tests;

/// <summary>
/// The run state cache on a real SQLite stream store: what it lets go of when it is over its bounds, and that a state it
/// let go of is read back whole from the run's stream.
/// </summary>
public sealed class RunStateCacheTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("state-cache-").FullName;
    private readonly SqliteStreamStore _store;
    private readonly DurableStreamEngine _engine;

    public RunStateCacheTests()
    {
        _store = new SqliteStreamStore(Path.Combine(_folder, "runs.db"), TimeProvider.System);
        _engine = new DurableStreamEngine(_store, new StreamNotifier(), TimeProvider.System);
    }

    [Fact]
    public void OverItsByteBudget_ItLetsGoOfTheRunsReportedToLeastRecently_AndKeepsTheOneAskedFor()
    {
        var runs = Enumerable.Range(0, 6).Select(i => Report($"run-{i}", steps: 200)).ToList();
        var oneRun = RunStateSize.Estimate(new RunStateCache(_engine).Get(runs[0]));
        // Room for about three of them.
        var cache = new RunStateCache(_engine, new RunStateCacheLimits(MaxRuns: 100, MaxBytes: oneRun * 3 + oneRun / 2));

        foreach (var run in runs.Take(3))
        {
            cache.Get(run);
        }
        Assert.Equal(3, cache.Count);
        cache.Get(runs[0]); // now the most recently used: run-1 is the least

        cache.Get(runs[3]);

        Assert.False(cache.Holds(runs[1]));
        Assert.True(cache.Holds(runs[0]));
        Assert.True(cache.Holds(runs[2]));
        Assert.True(cache.Holds(runs[3]));
        Assert.True(cache.EstimatedBytes <= oneRun * 3 + oneRun / 2, $"{cache.EstimatedBytes} bytes held");
    }

    [Fact]
    public void OverItsBounds_EndedRunsGoFirst_EvenWhenReportedToMoreRecently()
    {
        var running = Enumerable.Range(0, 3).Select(i => Report($"running-{i}", steps: 5)).ToList();
        var ended = Report("ended", steps: 5, end: true);
        var cache = new RunStateCache(_engine, new RunStateCacheLimits(MaxRuns: 4));
        foreach (var run in running)
        {
            cache.Get(run);
        }
        cache.Get(ended);

        cache.Get(Report("newest", steps: 5));

        Assert.False(cache.Holds(ended));
        Assert.All(running, run => Assert.True(cache.Holds(run), run));
        Assert.Equal(4, cache.Count);
    }

    [Fact]
    public void AStateLetGoOf_IsReadBackWhole_FromTheRunsStream()
    {
        var run = Report("big", steps: 300, retriesEvery: 10);
        var cache = new RunStateCache(_engine, new RunStateCacheLimits(MaxRuns: 1));
        var first = cache.Get(run);
        var (attempts, offset, steps) = (first.AttemptCount, first.Offset, first.StepEntryCount);

        cache.Get(Report("other", steps: 1));
        Assert.False(cache.Holds(run));
        var again = cache.Get(run);

        Assert.NotSame(first, again);
        Assert.Equal(330, attempts);
        Assert.Equal((attempts, offset, steps), (again.AttemptCount, again.Offset, again.StepEntryCount));
        Assert.Equal(first.Steps.Sum(s => s.Attempts.Count), again.AttemptCount);
    }

    [Fact]
    public void ItsEstimateFollowsAStateAsItGrows_AndLettingGoGivesTheBytesBack()
    {
        var run = Report("growing", steps: 10);
        var cache = new RunStateCache(_engine);
        var state = cache.Get(run);
        var small = cache.EstimatedBytes;
        Assert.Equal(RunStateSize.Estimate(state), small);

        Append(run, Enumerable.Range(10, 100).SelectMany(i => StepEvents(i, 1)));
        cache.Evict(run);
        cache.Get(run);
        Assert.True(cache.EstimatedBytes > small + 100 * RunStateSize.PerAttempt, $"{cache.EstimatedBytes} against {small}");

        cache.Evict(run);
        Assert.Equal(0, cache.EstimatedBytes);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void ItsEstimateCountsThePayloadsRunningAttemptsHold()
    {
        // 20 steps running at once, each holding a 20 KB input until it ends: what a fan-out of big prompts keeps.
        _engine.Create(new CreateStreamRequest { Path = RunStreams.PathOf("fan-out"), ContentType = StreamContentType.Json });
        var prompt = new string('p', 20_000);
        Append("fan-out", [$$"""{"type":"run_started","timestamp":"{{At(0)}}","workflowId":"wf"}""",
            .. Enumerable.Range(0, 20).Select(i => $$$"""{"type":"step_started","timestamp":"{{{At(i + 1)}}}","stepId":"llm-{{{i}}}","input":{"prompt":"{{{prompt}}}"}}""")]);
        var cache = new RunStateCache(_engine);

        cache.Get("fan-out");

        Assert.True(cache.EstimatedBytes > 20 * 20_000, $"{cache.EstimatedBytes} bytes estimated for 400 KB of inputs held");
    }

    /// <summary>Writes a run's events to its stream as the service stores them; returns the run id.</summary>
    private string Report(string runId, int steps, int retriesEvery = 0, bool end = false)
    {
        _engine.Create(new CreateStreamRequest { Path = RunStreams.PathOf(runId), ContentType = StreamContentType.Json });
        var events = new List<string> { $$"""{"type":"run_started","timestamp":"{{At(0)}}","workflowId":"wf","triggerType":"api","eventId":"{{runId}}-start"}""" };
        for (var i = 0; i < steps; i++)
        {
            events.AddRange(StepEvents(i, retriesEvery > 0 && i % retriesEvery == 0 ? 2 : 1));
        }
        if (end)
        {
            events.Add($$"""{"type":"run_completed","timestamp":"{{At(steps * 10 + 5)}}"}""");
        }
        Append(runId, events);
        return runId;
    }

    private static IEnumerable<string> StepEvents(int step, int attempts)
    {
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            yield return $$"""{"type":"step_started","timestamp":"{{At(step * 10 + attempt * 2)}}","stepId":"step-{{step}}","attempt":{{attempt}},"input":{"q":"question {{step}}"},"eventId":"{{Guid.NewGuid()}}"}""";
            yield return attempt < attempts
                ? $$"""{"type":"step_failed","timestamp":"{{At(step * 10 + attempt * 2 + 1)}}","stepId":"step-{{step}}","attempt":{{attempt}},"willRetry":true,"error":{"message":"upstream 502"},"eventId":"{{Guid.NewGuid()}}"}"""
                : $$"""{"type":"step_completed","timestamp":"{{At(step * 10 + attempt * 2 + 1)}}","stepId":"step-{{step}}","attempt":{{attempt}},"output":{"a":"answer"},"modelUsed":"gpt-4o-mini","costUsd":0.001,"eventId":"{{Guid.NewGuid()}}"}""";
        }
    }

    private void Append(string runId, IEnumerable<string> events)
    {
        var appended = _engine.Append(new AppendRequest
        {
            Path = RunStreams.PathOf(runId),
            ContentType = StreamContentType.Json,
            Messages = events.Select(e => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(e)).ToList(),
        });
        Assert.True(appended.Status is StreamStatus.Ok or StreamStatus.NoContent, appended.Error);
    }

    private static string At(int seconds) => new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero).AddSeconds(seconds).ToString("O");

    public void Dispose()
    {
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder.
        }
    }
}
