using System.Text.Json;
using Dashboard.Model.Insights;
using Dashboard.Runs.Insights;

namespace Dashboard.Runs.Tests;

/// <summary>
/// The sums a pass behind ingestion adds (<see cref="InsightsDeltaMerge"/>) and the form its deltas wait in
/// (<see cref="InsightsDeltaJson"/>): whatever the number of batches, every count lands on the rows it would have
/// landed on one batch at a time.
/// </summary>
public sealed class InsightsDeltaMergeTests
{
    private static readonly DateTimeOffset Minute = new(2026, 3, 4, 10, 15, 0, TimeSpan.Zero);

    [Fact]
    public void BatchesWhoseSumWouldPass64Bits_StayApart_AndEachSumIsExact()
    {
        // Ten runs of $1,000,000 (10^18 pico-dollars each) in one workflow's minute: one sum wrapped to a negative cost.
        const long million = 1_000_000_000_000_000_000;
        var deltas = Enumerable.Range(0, 10).Select(i => new InsightsDelta("wf-a", Minute.AddSeconds(i),
            new RunCounts("wf-a", [.. InsightsSchema.Grains.Select(g => InsightsSchema.BucketOf(Minute, g))], 1, 0, 0, 1, 0, 0, 0, million, 1, 0, 0, 0, null),
            null, [new StepCounts("llm", null, 1, 0, 0, million, 1, 0, 0, 0, null)], null)
        {
            Models = [new ModelCounts("gpt-4o", 1, 0, million, 1, 0, 0, 0)],
        }).ToList();

        var sums = InsightsDeltaMerge.Merge(deltas).Where(d => d.Run is not null).ToList();

        Assert.Equal(2, sums.Count);
        Assert.All(sums, d => Assert.True(d.Run!.CostPico > 0 && d.Steps.Single().CostPico == d.Run.CostPico && d.Models.Single().CostPico == d.Run.CostPico));
        Assert.Equal(10m * million, sums.Sum(d => (decimal)d.Run!.CostPico));
        Assert.Equal(10, sums.Sum(d => d.Run!.NewRuns));
    }

    [Fact]
    public void ThousandsOfBatches_SumToOneDeltaPerWorkflowAndMinute_WithEveryCountKept()
    {
        var deltas = new List<InsightsDelta>();
        var expected = new Dictionary<(string Workflow, long Minute, string Step), (int Attempts, long Cost, List<long> Durations)>();
        var random = new Random(7);
        for (var batch = 0; batch < 3_000; batch++)
        {
            var workflow = batch % 3 == 0 ? "wf-a" : "wf-b";
            var start = Minute.AddMinutes(batch % 2).AddSeconds(batch % 50);
            var steps = new List<StepCounts>();
            foreach (var s in Enumerable.Range(random.Next(0, 200), 50))
            {
                var duration = 100L + random.Next(5_000);
                steps.Add(new StepCounts($"step-{s}", $"Step {s}", 1, 0, 0, 1_000 + s, 1, 10, 2, 3, DurationHistogram.Of([duration])));
                var key = (workflow, InsightsSchema.BucketOf(start, InsightsSchema.MinuteGrain), $"step-{s}");
                var sum = expected.GetValueOrDefault(key, (0, 0, []));
                sum.Durations.Add(duration);
                expected[key] = (sum.Attempts + 1, sum.Cost + 1_000 + s, sum.Durations);
            }
            var run = new RunCounts(workflow, [.. InsightsSchema.Grains.Select(g => InsightsSchema.BucketOf(start, g))], batch % 5 == 0 ? 1 : 0,
                0, 0, 1, 0, 0, 0, 7, 1, 10, 2, 3, null);
            deltas.Add(new InsightsDelta(workflow, start, run, batch % 5 == 0 ? new WorkflowSeen(workflow, $"Name {batch}", "api") : null, steps,
                batch % 700 == 1 ? new FailureSeen($"sig-{batch}", $"run-{batch}", "step-1", "E", null, "boom", batch) : null)
            {
                Models = [new ModelCounts("gpt-4o-mini", steps.Count, 0, 10, 1, 1, 1, 1)],
            });
        }

        var merged = InsightsDeltaMerge.Merge(deltas);

        var sums = merged.Where(d => d.Run is not null).ToList();
        // Two workflows, two minutes each.
        Assert.Equal(4, sums.Count);
        Assert.Equal(3_000, sums.Sum(d => d.Run!.Completed));
        Assert.Equal(3_000 * 7, sums.Sum(d => d.Run!.CostPico));
        Assert.Equal(600, sums.Sum(d => d.Run!.NewRuns));
        Assert.Equal(3_000 * 50, sums.Sum(d => d.Models.Single().Calls));
        foreach (var sum in sums)
        {
            var minute = InsightsSchema.BucketOf(sum.Start, InsightsSchema.MinuteGrain);
            foreach (var step in sum.Steps)
            {
                var want = expected[(sum.WorkflowId, minute, step.StepId)];
                Assert.Equal((want.Attempts, want.Cost), (step.Attempts, step.CostPico));
                Assert.Equal(DurationHistogram.Of(want.Durations), step.Durations);
            }
            Assert.Equal(expected.Count(e => e.Key.Workflow == sum.WorkflowId && e.Key.Minute == minute), sum.Steps.Count);
        }
        // Sightings and failures stay one each, in the order they came (a failure group keeps its latest examples first).
        Assert.Equal(deltas.Where(d => d.Workflow is not null || d.Failure is not null).Select(d => (d.Workflow?.Name, d.Failure?.Signature)),
            merged.Where(d => d.Run is null).Select(d => (d.Workflow?.Name, d.Failure?.Signature)));
    }

    [Fact]
    public void ADelta_ReadBackFromItsStoredForm_AddsTheSameCounts()
    {
        var start = Minute.AddSeconds(42);
        var delta = new InsightsDelta("wf-json", start,
            new RunCounts("wf-json", [.. InsightsSchema.Grains.Select(g => InsightsSchema.BucketOf(start, g))], 1, -1, 0, 0, 1, 0, 0, 123_456_789_012, 1, 5, 6, 7,
                DurationHistogram.Of([12_345])),
            new WorkflowSeen("wf-json", "<script>alert(1)</script>", null),
            [new StepCounts("s\u00e9p", null, 2, 1, 1, 0, 0, 0, 0, 0, DurationHistogram.Of([1, 2_000_000]))],
            new FailureSeen("sig", "run-1", "s\u00e9p", null, "Timeout", "line 1\nline 2", 1_700_000_000_000))
        {
            Models = [new ModelCounts("m", 2, 1, 3, 1, 4, 5, 6)],
        };

        var stored = JsonSerializer.SerializeToUtf8Bytes(new[] { delta }, InsightsDeltaJson.Options);
        var back = Assert.Single(JsonSerializer.Deserialize<List<InsightsDelta>>(stored, InsightsDeltaJson.Options)!);

        Assert.Equal((delta.WorkflowId, delta.Start), (back.WorkflowId, back.Start));
        Assert.Equal(delta.Run! with { Buckets = [], Durations = null }, back.Run! with { Buckets = [], Durations = null });
        Assert.Equal(delta.Run!.Buckets, back.Run!.Buckets);
        Assert.Equal(delta.Run.Durations, back.Run.Durations);
        Assert.Equal(delta.Workflow, back.Workflow);
        Assert.Equal(delta.Failure, back.Failure);
        Assert.Equal(delta.Models, back.Models);
        var (step, backStep) = (delta.Steps.Single(), back.Steps.Single());
        Assert.Equal(step with { Durations = null }, backStep with { Durations = null });
        Assert.Equal(step.Durations, backStep.Durations);
        // The buckets are worked out from the start again, not stored.
        Assert.Equal(delta.StepBuckets, back.StepBuckets);
        Assert.Equal(delta.ModelBuckets, back.ModelBuckets);
    }
}
