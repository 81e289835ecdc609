using System.Net;
using System.Text.Json;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary>The insights API against hand-computed answers: each test reports its own workflow in its own hour.</summary>
public abstract class InsightsTests(RunsServiceFixture fixture)
{
    private static readonly DateTimeOffset Hour = new(2026, 1, 10, 10, 0, 0, TimeSpan.Zero);

    private HttpClient Http => fixture.Http;

    private static string At(DateTimeOffset time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");

    private static string Period(DateTimeOffset from, DateTimeOffset to, string workflowId) =>
        $"from={Uri.EscapeDataString(At(from))}&to={Uri.EscapeDataString(At(to))}&workflowId={Uri.EscapeDataString(workflowId)}";

    /// <summary>
    /// A run that starts at <paramref name="start"/>, runs one step costing <paramref name="cost"/> (null: none reported),
    /// and ends as told after <paramref name="durationMs"/>.
    /// </summary>
    private async Task RunAsync(string workflowId, DateTimeOffset start, long durationMs, string end, string? cost = "0", string step = "work",
        string? error = null, string? code = null, bool stepFails = false, string? name = null)
    {
        var events = new List<string>
        {
            $$"""{"type":"run_started","timestamp":"{{At(start)}}","workflowId":"{{workflowId}}","workflowName":"{{name ?? $"Insights {workflowId}"}}"}""",
            $$"""{"type":"step_started","timestamp":"{{At(start.AddMilliseconds(1))}}","stepId":"{{step}}"}""",
        };
        var stepEnd = At(start.AddMilliseconds(Math.Max(2, durationMs - 1)));
        var costJson = cost is null ? "" : $",\"costUsd\":\"{cost}\"";
        var errorJson = $$$"""{"code":{{{(code is null ? "null" : $"\"{code}\"")}}},"message":{{{JsonSerializer.Serialize(error ?? "")}}}}""";
        events.Add(stepFails
            ? $$$"""{"type":"step_failed","timestamp":"{{{stepEnd}}}","stepId":"{{{step}}}","willRetry":false{{{costJson}}},"error":{{{errorJson}}}}"""
            : $$$"""{"type":"step_completed","timestamp":"{{{stepEnd}}}","stepId":"{{{step}}}"{{{costJson}}},"tokens":{"prompt":100,"cached":40,"completion":20}}""");
        var endAt = At(start.AddMilliseconds(durationMs));
        events.Add(end switch
        {
            "completed" => $$"""{"type":"run_completed","timestamp":"{{endAt}}"}""",
            "failed" => $$$"""{"type":"run_failed","timestamp":"{{{endAt}}}","error":{{{errorJson}}}}""",
            "timeout" => $$"""{"type":"run_timed_out","timestamp":"{{endAt}}"}""",
            _ => "",
        });
        await Http.PostOkAsync($"ins-{Guid.NewGuid():N}", "[" + string.Join(",", events.Where(e => e.Length > 0)) + "]");
    }

    [Fact]
    public async Task Summary_CountsRatesPercentilesAndExactCost_AndThePreviousPeriod()
    {
        var wf = $"wf-sum-{Guid.NewGuid():N}";
        await RunAsync(wf, Hour.AddMinutes(1), 1000, "completed", "0.1");
        await RunAsync(wf, Hour.AddMinutes(2), 2000, "completed", "0.2");
        await RunAsync(wf, Hour.AddMinutes(3), 3000, "completed", "0.000000000001");
        await RunAsync(wf, Hour.AddMinutes(4), 4000, "failed", error: "boom");
        await RunAsync(wf, Hour.AddMinutes(5), 10_000, "timeout");
        await RunAsync(wf, Hour.AddMinutes(6), 500, "running");
        await RunAsync(wf, Hour.AddMinutes(-30), 7000, "completed", "1.5");

        var summary = await Http.GetJsonAsync($"api/insights/summary?{Period(Hour, Hour.AddHours(1), wf)}");

        Assert.Equal(6, summary.GetProperty("runs").GetInt64());
        var byStatus = summary.GetProperty("byStatus");
        Assert.Equal((3, 1, 1, 1, 0, 0), (byStatus.GetProperty("completed").GetInt64(), byStatus.GetProperty("failed").GetInt64(),
            byStatus.GetProperty("timeout").GetInt64(), byStatus.GetProperty("running").GetInt64(), byStatus.GetProperty("waiting").GetInt64(), byStatus.GetProperty("cancelled").GetInt64()));
        Assert.Equal(0.4, summary.GetProperty("failureRate").GetDouble(), 6);   // (failed 1 + timeout 1) / 5 finished
        // Nearest rank over 1000, 2000, 3000, 4000, 10000 ms: p50 is 3000, p95 and p99 are 10000 (within the histogram's 1%).
        Assert.InRange(summary.GetProperty("durationMs").GetProperty("p50").GetInt64(), 2970, 3030);
        Assert.InRange(summary.GetProperty("durationMs").GetProperty("p95").GetInt64(), 9900, 10100);
        Assert.Equal("0.300000000001", summary.GetProperty("costUsd").GetString());
        Assert.Equal(600, summary.GetProperty("tokens").GetProperty("prompt").GetInt64());   // six runs, each one completed step of 100
        var previous = summary.GetProperty("previous");
        Assert.Equal(1, previous.GetProperty("runs").GetInt64());
        Assert.Equal("1.5", previous.GetProperty("costUsd").GetString());
        Assert.Equal(0.0, previous.GetProperty("failureRate").GetDouble());
    }

    [Fact]
    public async Task Failures_GroupMessagesThatDifferOnlyInNumbersAndIds_ButNotAcrossCodesOrSteps()
    {
        var wf = $"wf-fail-{Guid.NewGuid():N}";
        await RunAsync(wf, Hour.AddMinutes(1), 100, "failed", step: "charge", code: "E_CARD", stepFails: true,
            error: "Card 4242 declined for order 'A-17' (request 3f2a9c1e-1b2c-4d5e-8f90-123456789abc) at 2026-01-10T10:01:00Z");
        await RunAsync(wf, Hour.AddMinutes(2), 100, "failed", step: "charge", code: "E_CARD", stepFails: true,
            error: "Card 1881 declined for order 'B-9' (request 0d9e8f7a-aaaa-4bbb-8ccc-ddddeeeeffff) at 2026-01-10T10:02:13Z");
        await RunAsync(wf, Hour.AddMinutes(3), 100, "failed", step: "charge", code: "E_FRAUD", stepFails: true,
            error: "Card 1881 declined for order 'B-9' (request 0d9e8f7a-aaaa-4bbb-8ccc-ddddeeeeffff) at 2026-01-10T10:03:13Z");
        await RunAsync(wf, Hour.AddMinutes(4), 100, "failed", step: "refund", code: "E_CARD", stepFails: true,
            error: "Card 1881 declined for order 'B-9' (request 0d9e8f7a-aaaa-4bbb-8ccc-ddddeeeeffff) at 2026-01-10T10:04:13Z");
        await RunAsync(wf, Hour.AddMinutes(5), 100, "completed");

        var groups = (await Http.GetJsonAsync($"api/insights/failures?{Period(Hour, Hour.AddHours(1), wf)}")).GetProperty("groups").EnumerateArray().ToList();

        Assert.Equal([2, 1, 1], groups.Select(g => g.GetProperty("count").GetInt32()));
        var card = groups[0];
        Assert.Equal(("charge", "E_CARD"), (card.GetProperty("stepId").GetString(), card.GetProperty("errorCode").GetString()));
        Assert.StartsWith("Card 1881 declined", card.GetProperty("message").GetString(), StringComparison.Ordinal);   // the newest
        Assert.Equal(2, card.GetProperty("exampleRunIds").GetArrayLength());
        Assert.True(card.GetProperty("firstSeen").GetDateTimeOffset() < card.GetProperty("lastSeen").GetDateTimeOffset());
        Assert.Equal(2, card.GetProperty("trend").EnumerateArray().Sum(n => n.GetInt64()));
        Assert.Equal(["E_CARD", "E_FRAUD"], groups.Skip(1).Where(g => g.GetProperty("stepId").GetString() == "charge").Select(g => g.GetProperty("errorCode").GetString()).Prepend("E_CARD"));
        Assert.Contains(groups, g => g.GetProperty("stepId").GetString() == "refund");
    }

    [Fact]
    public async Task WorkflowsAndSteps_SayWhichIsFlakySlowOrExpensive()
    {
        var wf = $"wf-steps-{Guid.NewGuid():N}";
        await RunAsync(wf, Hour.AddMinutes(1), 1000, "completed", "0.25", step: "llm");
        await RunAsync(wf, Hour.AddMinutes(2), 3000, "failed", "0.05", step: "llm", error: "overloaded", stepFails: true);

        var workflows = (await Http.GetJsonAsync($"api/insights/workflows?{Period(Hour, Hour.AddHours(1), wf)}")).GetProperty("workflows");
        var steps = (await Http.GetJsonAsync($"api/insights/steps?{Period(Hour, Hour.AddHours(1), wf)}")).GetProperty("steps");

        var workflow = Assert.Single(workflows.EnumerateArray());
        Assert.Equal((wf, $"Insights {wf}", 2, 1), (workflow.GetProperty("workflowId").GetString(), workflow.GetProperty("workflowName").GetString(),
            workflow.GetProperty("runs").GetInt32(), workflow.GetProperty("failed").GetInt32()));
        Assert.Equal(0.5, workflow.GetProperty("failureRate").GetDouble(), 6);
        Assert.Equal("0.3", workflow.GetProperty("costUsd").GetString());
        Assert.NotEqual(JsonValueKind.Null, workflow.GetProperty("lastFailureAt").ValueKind);
        var llm = Assert.Single(steps.EnumerateArray());
        Assert.Equal(("llm", 2, 1), (llm.GetProperty("stepId").GetString(), llm.GetProperty("attempts").GetInt32(), llm.GetProperty("failed").GetInt32()));
        Assert.Equal("0.3", llm.GetProperty("costUsd").GetString());
    }

    [Fact]
    public async Task Models_SumCallsFailuresCostAndTokens_AcrossWorkflows_CostliestFirst()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var (first, second) = ($"wf-models-a-{tag}", $"wf-models-b-{tag}");
        var (big, small, unpriced) = ($"big-{tag}", $"small-{tag}", $"local-{tag}");
        var start = Hour.AddMinutes(20);
        string Step(string type, string step, int attempt, string model, string? cost, int ms) =>
            $$$"""{"type":"{{{type}}}","timestamp":"{{{At(start.AddMilliseconds(ms))}}}","stepId":"{{{step}}}","attempt":{{{attempt}}},"modelUsed":"{{{model}}}"{{{(cost is null ? "" : $",\"costUsd\":\"{cost}\"")}}},"tokens":{"prompt":100,"cached":40,"completion":20}{{{(type == "step_failed" ? ",\"willRetry\":true,\"error\":{\"message\":\"overloaded\"}" : "")}}}}""";
        string Began(string step, int attempt, int ms) => $$"""{"type":"step_started","timestamp":"{{At(start.AddMilliseconds(ms))}}","stepId":"{{step}}","attempt":{{attempt}}}""";
        string Run(string workflow) => $$"""{"type":"run_started","timestamp":"{{At(start)}}","workflowId":"{{workflow}}"}""";
        // The first workflow: a call of the big model that failed, its retry, a small one and one without a price.
        await Http.PostOkAsync($"ins-{Guid.NewGuid():N}", Batch(Run(first),
            Began("draft", 1, 1), Step("step_failed", "draft", 1, big, null, 2), Began("draft", 2, 3), Step("step_completed", "draft", 2, big, "0.25", 4),
            Began("classify", 1, 5), Step("step_completed", "classify", 1, small, "0.01", 6),
            Began("embed", 1, 7), Step("step_completed", "embed", 1, unpriced, null, 8)));
        await Http.PostOkAsync($"ins-{Guid.NewGuid():N}", Batch(Run(second), Began("draft", 1, 1), Step("step_completed", "draft", 1, big, "0.5", 2)));

        var period = $"from={Uri.EscapeDataString(At(Hour))}&to={Uri.EscapeDataString(At(Hour.AddHours(1)))}";
        var all = (await Http.GetJsonAsync($"api/insights/models?{period}")).GetProperty("models").EnumerateArray()
            .Where(m => m.GetProperty("model").GetString()!.EndsWith(tag, StringComparison.Ordinal)).ToList();
        var ofSecond = (await Http.GetJsonAsync($"api/insights/models?{period}&workflowId={second}")).GetProperty("models").EnumerateArray().ToList();

        Assert.Equal([big, small, unpriced], all.Select(m => m.GetProperty("model").GetString()));
        Assert.Equal((3, 1, 2, "0.75"), (all[0].GetProperty("calls").GetInt32(), all[0].GetProperty("failed").GetInt32(), all[0].GetProperty("workflows").GetInt32(), CostOf(all[0])));
        // The failed call reported no cost: two of the three are priced (the mean cost of a call is over those).
        Assert.Equal([2, 1, 0], all.Select(m => m.GetProperty("pricedCalls").GetInt32()));
        Assert.Equal((300, 120, 60), (all[0].GetProperty("tokens").GetProperty("prompt").GetInt32(), all[0].GetProperty("tokens").GetProperty("cached").GetInt32(),
            all[0].GetProperty("tokens").GetProperty("completion").GetInt32()));
        Assert.Equal(("0.01", 1), (CostOf(all[1]), all[1].GetProperty("calls").GetInt32()));
        // Nobody priced it: no cost, not $0.
        Assert.Null(CostOf(all[2]));
        var only = Assert.Single(ofSecond);
        Assert.Equal((big, 1, "0.5"), (only.GetProperty("model").GetString(), only.GetProperty("calls").GetInt32(), CostOf(only)));
    }

    [Fact]
    public async Task AShortPeriodsCostByModel_CoversItsOwnMinutes_AsTheHeadlineCostDoes_AndStepsSayWhichHoursTheyCount()
    {
        var wf = $"wf-short-{Guid.NewGuid():N}";
        var model = $"model-{Guid.NewGuid():N}";
        string Call(DateTimeOffset start, string cost) => Batch(
            $$"""{"type":"run_started","timestamp":"{{At(start)}}","workflowId":"{{wf}}"}""",
            $$"""{"type":"step_started","timestamp":"{{At(start.AddSeconds(1))}}","stepId":"llm"}""",
            $$"""{"type":"step_completed","timestamp":"{{At(start.AddSeconds(2))}}","stepId":"llm","modelUsed":"{{model}}","costUsd":"{{cost}}"}""",
            $$"""{"type":"run_completed","timestamp":"{{At(start.AddSeconds(3))}}"}""");
        // Two calls in one hour; the period holds only the second.
        await Http.PostOkAsync($"ins-{Guid.NewGuid():N}", Call(Hour.AddMinutes(5), "0.25"));
        await Http.PostOkAsync($"ins-{Guid.NewGuid():N}", Call(Hour.AddMinutes(40), "0.5"));
        var period = Period(Hour.AddMinutes(30), Hour.AddMinutes(45), wf);

        var summary = await Http.GetJsonAsync($"api/insights/summary?{period}");
        var counted = Assert.Single((await Http.GetJsonAsync($"api/insights/models?{period}")).GetProperty("models").EnumerateArray());
        var steps = await Http.GetJsonAsync($"api/insights/steps?{period}");

        Assert.Equal("0.5", CostOf(summary));
        Assert.Equal((model, 1, "0.5"), (counted.GetProperty("model").GetString(), counted.GetProperty("calls").GetInt32(), CostOf(counted)));
        // Steps are kept by the hour: both attempts, and the hour they were counted over, said.
        Assert.Equal(2, Assert.Single(steps.GetProperty("steps").EnumerateArray()).GetProperty("attempts").GetInt32());
        Assert.Equal((Hour, Hour.AddHours(1)), (steps.GetProperty("countedFrom").GetDateTimeOffset(), steps.GetProperty("countedTo").GetDateTimeOffset()));
    }

    [Fact]
    public async Task AWorkflowNobodyReportedACostFor_HasNoCost_NotZeroDollars_AndOneReportedAsZeroCostsZero()
    {
        var unpriced = $"wf-unpriced-{Guid.NewGuid():N}";
        var free = $"wf-free-{Guid.NewGuid():N}";
        await RunAsync(unpriced, Hour.AddMinutes(1), 1000, "completed", cost: null, step: "fetch");
        await RunAsync(unpriced, Hour.AddMinutes(2), 1000, "failed", cost: null, step: "fetch", error: "timeout", stepFails: true);
        await RunAsync(free, Hour.AddMinutes(3), 1000, "completed", cost: "0", step: "local-model");

        foreach (var (workflow, expected) in new[] { (unpriced, (string?)null), (free, "0") })
        {
            var period = Period(Hour, Hour.AddHours(1), workflow);
            var summary = await Http.GetJsonAsync($"api/insights/summary?{period}");
            var health = Assert.Single((await Http.GetJsonAsync($"api/insights/workflows?{period}")).GetProperty("workflows").EnumerateArray());
            var step = Assert.Single((await Http.GetJsonAsync($"api/insights/steps?{period}")).GetProperty("steps").EnumerateArray());
            var series = (await Http.GetJsonAsync($"api/insights/timeseries?{period}&bucket=hour")).GetProperty("buckets").EnumerateArray().ToList();

            Assert.Equal(expected, CostOf(summary));
            Assert.Equal(expected, CostOf(health));
            Assert.Equal(expected, CostOf(step));
            Assert.Equal(expected, CostOf(Assert.Single(series, b => b.GetProperty("runs").GetInt64() > 0)));
        }
    }

    [Fact]
    public async Task AWorkflowsHealth_HasTheNameItsRunsLastReported_AndItsLatestRunsStart()
    {
        var wf = $"wf-named-{Guid.NewGuid():N}";
        var period = Period(Hour, Hour.AddHours(1), wf);
        async Task<(string? Name, DateTimeOffset LastRun)> HealthAsync()
        {
            var health = Assert.Single((await Http.GetJsonAsync($"api/insights/workflows?{period}")).GetProperty("workflows").EnumerateArray());
            return (health.GetProperty("workflowName").GetString(), health.GetProperty("lastRunAt").GetDateTimeOffset());
        }

        await RunAsync(wf, Hour.AddMinutes(10), 100, "completed", name: "Invoices");
        await RunAsync(wf, Hour.AddMinutes(30), 100, "completed", name: "Invoices v2");
        // Reported late: a run that started before the others does not move the last run back.
        await RunAsync(wf, Hour.AddMinutes(5), 100, "completed", name: "Invoices v2");
        Assert.Equal(("Invoices v2", Hour.AddMinutes(30)), await HealthAsync());

        // Named back at once (the service writes a name again only when it changes).
        await RunAsync(wf, Hour.AddMinutes(40), 100, "completed", name: "Invoices");
        Assert.Equal(("Invoices", Hour.AddMinutes(40)), await HealthAsync());
    }

    /// <summary>The costUsd of an answer: null when absent or null.</summary>
    private static string? CostOf(JsonElement element) =>
        element.TryGetProperty("costUsd", out var cost) && cost.ValueKind == JsonValueKind.String ? cost.GetString() : null;

    [Fact]
    public async Task Timeseries_PutsRunsInTheBucketOfTheirStart()
    {
        var wf = $"wf-series-{Guid.NewGuid():N}";
        await RunAsync(wf, Hour.AddMinutes(5), 100, "completed");
        await RunAsync(wf, Hour.AddMinutes(70), 100, "failed", error: "x");
        await RunAsync(wf, Hour.AddMinutes(75), 100, "completed");

        var series = await Http.GetJsonAsync($"api/insights/timeseries?bucket=hour&{Period(Hour, Hour.AddHours(3), wf)}");

        var buckets = series.GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal([1, 2, 0], buckets.Select(b => b.GetProperty("runs").GetInt32()));
        Assert.Equal(Hour.AddHours(1), buckets[1].GetProperty("start").GetDateTimeOffset());
        Assert.Equal(0.5, buckets[1].GetProperty("failureRate").GetDouble(), 6);
    }

    [Fact]
    public async Task AKeyNarrowedToOneWorkflow_SeesOnlyItsGroupsAndFigures()
    {
        var mine = $"wf-mine-{Guid.NewGuid():N}";
        var theirs = $"wf-theirs-{Guid.NewGuid():N}";
        await RunAsync(mine, Hour.AddMinutes(1), 100, "failed", error: "mine broke");
        await RunAsync(theirs, Hour.AddMinutes(2), 100, "failed", error: "theirs broke");
        var period = $"from={Uri.EscapeDataString(At(Hour))}&to={Uri.EscapeDataString(At(Hour.AddHours(1)))}";

        async Task<JsonElement> AsMine(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("Runs-Workflow-Scope", $"[\"{mine}\"]");
            var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone();
        }

        var groups = (await AsMine($"api/insights/failures?{period}")).GetProperty("groups").EnumerateArray().ToList();
        var workflows = (await AsMine($"api/insights/workflows?{period}")).GetProperty("workflows").EnumerateArray().ToList();
        var asking = (await AsMine($"api/insights/summary?{period}&workflowId={theirs}")).GetProperty("runs").GetInt64();

        Assert.Equal([mine], groups.Select(g => g.GetProperty("workflowId").GetString()));
        Assert.Equal([mine], workflows.Select(w => w.GetProperty("workflowId").GetString()));
        Assert.Equal(0, asking);
    }

    [Fact]
    public async Task Facets_ListTheWorkflowsTriggerTypesAndModelsSeen_WithinTheCallersWorkflows()
    {
        var mine = $"wf-facet-{Guid.NewGuid():N}";
        var theirs = $"wf-facet-{Guid.NewGuid():N}";
        var (myModel, theirModel) = ($"model-{Guid.NewGuid():N}", $"model-{Guid.NewGuid():N}");
        await Http.PostOkAsync(NewRunId(), Batch($$"""{"type":"run_started","timestamp":"{{Time()}}","workflowId":"{{mine}}","workflowName":"Mine","triggerType":"schedule"}""",
            StepStarted("llm"), StepCompleted("llm", model: myModel)));
        await Http.PostOkAsync(NewRunId(), Batch($$"""{"type":"run_started","timestamp":"{{Time()}}","workflowId":"{{theirs}}","triggerType":"webhook-{{theirs}}"}""",
            StepStarted("llm"), StepCompleted("llm", model: theirModel)));

        var all = await Http.GetJsonAsync("api/runs/facets");
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/runs/facets");
        request.Headers.Add("Runs-Workflow-Scope", $"[\"{mine}\"]");
        var scoped = JsonDocument.Parse(await (await Http.SendAsync(request, TestContext.Current.CancellationToken)).Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        Assert.Contains(all.GetProperty("workflows").EnumerateArray(), w => w.GetProperty("workflowId").GetString() == mine && w.GetProperty("workflowName").GetString() == "Mine");
        Assert.Contains($"webhook-{theirs}", all.GetProperty("triggerTypes").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal([mine], scoped.GetProperty("workflows").EnumerateArray().Select(w => w.GetProperty("workflowId").GetString()));
        Assert.Equal(["schedule"], scoped.GetProperty("triggerTypes").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains(theirModel, all.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal([myModel], scoped.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task FacetsWorkflowSearch_FindsByIdOrNameCaseAside_ExactFirst_CutAtTheLimit_AndCountsTheMatches()
    {
        // A picker for a fleet with a workflow per tenant: what was typed finds the workflows, a few at a time.
        var tag = Guid.NewGuid().ToString("N")[..12];
        for (var i = 0; i < 12; i++)
        {
            await Http.PostOkAsync(NewRunId(), Batch($$"""{"type":"run_started","timestamp":"{{Time()}}","workflowId":"{{tag}}-tenant-{{i:D2}}","workflowName":"Sync for Tenant {{i:D2}} <b>"}"""));
        }
        // Its id is what was typed; by name it sorts last.
        await Http.PostOkAsync(NewRunId(), Batch($$"""{"type":"run_started","timestamp":"{{Time()}}","workflowId":"{{tag}}","workflowName":"Zz {{tag}} umbrella","triggerType":"schedule"}"""));
        static List<string?> Ids(JsonElement facets) => facets.GetProperty("workflows").EnumerateArray().Select(w => w.GetProperty("workflowId").GetString()).ToList();

        var five = await Http.GetJsonAsync($"api/runs/facets?workflowSearch={tag.ToUpperInvariant()}&workflowLimit=5");
        var byName = await Http.GetJsonAsync($"api/runs/facets?workflowSearch={Uri.EscapeDataString($"tenant 07 <B>")}&workflowLimit=50");
        var none = await Http.GetJsonAsync($"api/runs/facets?workflowSearch={tag}-nobody");
        var countOnly = await Http.GetJsonAsync($"api/runs/facets?workflowSearch={tag}&workflowLimit=0");
        var all = await Http.GetJsonAsync("api/runs/facets");

        Assert.Equal(13, five.GetProperty("totalWorkflows").GetInt32());
        Assert.Equal([tag, $"{tag}-tenant-00", $"{tag}-tenant-01", $"{tag}-tenant-02", $"{tag}-tenant-03"], Ids(five));
        Assert.Equal([$"{tag}-tenant-07"], Ids(byName));
        Assert.Equal(1, byName.GetProperty("totalWorkflows").GetInt32());
        Assert.Equal("Sync for Tenant 07 <b>", byName.GetProperty("workflows")[0].GetProperty("workflowName").GetString());
        Assert.Empty(Ids(none));
        Assert.Equal(0, none.GetProperty("totalWorkflows").GetInt32());
        Assert.Empty(Ids(countOnly));
        Assert.Equal(13, countOnly.GetProperty("totalWorkflows").GetInt32());
        // Without a search or a limit: every workflow, as before.
        Assert.Equal(Ids(all).Count, all.GetProperty("totalWorkflows").GetInt32());
        Assert.Equal(13, Ids(all).Count(id => id!.StartsWith(tag, StringComparison.Ordinal)));
        Assert.Contains("schedule", countOnly.GetProperty("triggerTypes").EnumerateArray().Select(t => t.GetString()));
        var (status, error) = await Http.GetErrorAsync($"api/runs/facets?workflowSearch={new string('a', 513)}");
        Assert.Equal((400, "INVALID_INPUT"), (status, error.GetProperty("error").GetProperty("code").GetString()));
    }

    [Fact]
    public async Task AFailureGroupsSignature_ListsExactlyItsRuns()
    {
        // From the overview's group to its runs: the list by signature has the group's runs, not the workflow's other
        // failures.
        var wf = $"wf-group-{Guid.NewGuid():N}";
        for (var i = 0; i < 3; i++)
        {
            await RunAsync(wf, Hour.AddMinutes(i), 1000, "failed", error: $"card {4240 + i} declined", code: "E_CARD", stepFails: true, step: "charge");
        }
        await RunAsync(wf, Hour.AddMinutes(5), 1000, "failed", error: "out of stock", code: "E_STOCK", stepFails: true, step: "reserve");
        await RunAsync(wf, Hour.AddMinutes(6), 1000, "timeout");
        await RunAsync(wf, Hour.AddMinutes(7), 1000, "completed");

        var groups = (await Http.GetJsonAsync($"api/insights/failures?{Period(Hour, Hour.AddHours(1), wf)}")).GetProperty("groups").EnumerateArray().ToList();
        string SignatureOf(string code) => groups.Single(g => g.GetProperty("errorCode").GetString() == code).GetProperty("signature").GetString()!;
        async Task<List<JsonElement>> RunsOf(string query) => (await Http.GetJsonAsync($"api/runs?{query}")).GetProperty("items").EnumerateArray().ToList();

        var cards = await RunsOf($"failureSignature={SignatureOf("E_CARD")}");
        var stock = await RunsOf($"failureSignature={SignatureOf("E_STOCK")}&workflowId={wf}&status=failed");
        var timedOut = await RunsOf($"failureSignature={SignatureOf("TIMEOUT")}");
        var none = await RunsOf($"failureSignature={SignatureOf("E_CARD")}&status=completed");

        Assert.Equal(3, cards.Count);
        Assert.All(cards, run => Assert.Equal("charge", run.GetProperty("failedStepId").GetString()));
        Assert.Equal(["out of stock"], stock.Select(r => r.GetProperty("error").GetProperty("message").GetString()));
        Assert.Equal(["timeout"], timedOut.Select(r => r.GetProperty("status").GetString()));
        Assert.Empty(none);
        // The list's status chips count the group, not its workflow (4 failed, 1 timed out, 1 completed): the link's query.
        var counted = (await Http.GetJsonAsync($"api/runs?failureSignature={SignatureOf("E_STOCK")}&workflowId={wf}&status=failed,timeout&counts=true"))
            .GetProperty("statusCounts").EnumerateObject().Where(c => c.Value.GetInt32() > 0).Select(c => $"{c.Name}={c.Value.GetInt32()}");
        Assert.Equal(["failed=1"], counted);
        var (status, error) = await Http.GetErrorAsync($"api/runs?failureSignature={new string('f', 129)}");
        Assert.Equal((400, "INVALID_INPUT"), (status, error.GetProperty("error").GetProperty("code").GetString()));
    }

    [Fact]
    public async Task AFailureGroup_IsReadBySignature_WhateverThePeriod_AndOnlyByKeysThatSeeItsWorkflow()
    {
        // What the executions list names when it lists one group's runs.
        var wf = $"wf-one-group-{Guid.NewGuid():N}";
        var other = $"wf-one-group-{Guid.NewGuid():N}";
        await RunAsync(wf, Hour.AddMinutes(1), 1000, "failed", error: "card 4241 declined <script>", code: "E_CARD", stepFails: true, step: "charge");
        await RunAsync(wf, Hour.AddDays(-3), 1000, "failed", error: "card 77 declined <script>", code: "E_CARD", stepFails: true, step: "charge");
        await RunAsync(wf, Hour.AddMinutes(2), 1000, "failed", error: "out of stock", code: "E_STOCK", stepFails: true, step: "reserve");
        var signature = (await Http.GetJsonAsync($"api/insights/failures?{Period(Hour, Hour.AddHours(1), wf)}")).GetProperty("groups").EnumerateArray()
            .Single(g => g.GetProperty("errorCode").GetString() == "E_CARD").GetProperty("signature").GetString()!;

        var group = await Http.GetJsonAsync($"api/insights/failures/{signature}");
        var (unknown, unknownError) = await Http.GetErrorAsync("api/insights/failures/0123456789abcdef");
        var (tooLong, tooLongError) = await Http.GetErrorAsync($"api/insights/failures/{new string('f', 129)}");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/insights/failures/{signature}");
        request.Headers.Add("Runs-Workflow-Scope", $"[\"{other}\"]");
        using var hidden = await Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(signature, group.GetProperty("signature").GetString());
        Assert.Equal((wf, "charge", "E_CARD"), (group.GetProperty("workflowId").GetString(), group.GetProperty("stepId").GetString(), group.GetProperty("errorCode").GetString()));
        // Both runs, the one three days before the period too; the newest message as sent, markup and all.
        Assert.Equal(2, group.GetProperty("count").GetInt64());
        Assert.Equal("card 4241 declined <script>", group.GetProperty("message").GetString());
        Assert.Equal(Hour.AddDays(-3).AddSeconds(1), group.GetProperty("firstSeen").GetDateTimeOffset());
        Assert.Equal((404, "RESOURCE_NOT_FOUND"), (unknown, unknownError.GetProperty("error").GetProperty("code").GetString()));
        Assert.Equal((400, "INVALID_INPUT"), (tooLong, tooLongError.GetProperty("error").GetProperty("code").GetString()));
        // A key that does not see the workflow is told what an unknown signature is told.
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal("RESOURCE_NOT_FOUND", JsonDocument.Parse(await hidden.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement
            .GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task ManyRunsReportedAtOnce_AreEachCountedOnce()
    {
        // Batches that arrive together are stored together (SQLite commits them as one group, and sums their aggregates
        // before it writes them): every run, cost, step attempt and duration must still count exactly once.
        var wf = $"wf-many-{Guid.NewGuid():N}";
        var start = Hour.AddMinutes(20);
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            RunAsync(wf, start.AddMilliseconds(i), i < 30 ? 1000 : 3000, i % 10 == 9 ? "failed" : "completed", "0.01", error: "card declined")));

        var period = Period(Hour, Hour.AddHours(1), wf);
        var summary = await Http.GetJsonAsync($"api/insights/summary?{period}");
        Assert.Equal(40, summary.GetProperty("runs").GetInt64());
        var byStatus = summary.GetProperty("byStatus");
        Assert.Equal((36, 4), (byStatus.GetProperty("completed").GetInt64(), byStatus.GetProperty("failed").GetInt64()));
        Assert.Equal("0.4", summary.GetProperty("costUsd").GetString());
        // 30 runs of 1,000 ms and 10 of 3,000 ms: p50 1,000, p95 3,000 (within the histogram's 1 %).
        Assert.InRange(summary.GetProperty("durationMs").GetProperty("p50").GetInt64(), 990, 1010);
        Assert.InRange(summary.GetProperty("durationMs").GetProperty("p95").GetInt64(), 2970, 3030);
        var step = Assert.Single((await Http.GetJsonAsync($"api/insights/steps?{period}")).GetProperty("steps").EnumerateArray());
        Assert.Equal((40, "0.4"), (step.GetProperty("attempts").GetInt32(), step.GetProperty("costUsd").GetString()));
        var group = Assert.Single((await Http.GetJsonAsync($"api/insights/failures?{period}")).GetProperty("groups").EnumerateArray());
        Assert.Equal(4, group.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task AWorkflowOfManySteps_GivesTheFirst200_SortedOverThemAll_AndSaysHowManyThereAre()
    {
        // An agent's tool calls as steps of their own: the overview drew every one (20,000 took 18 s and 4.6 MB).
        var wf = $"wf-agent-{Guid.NewGuid():N}";
        var start = Hour.AddMinutes(40);
        var events = new List<string> { $$"""{"type":"run_started","timestamp":"{{At(start)}}","workflowId":"{{wf}}"}""" };
        for (var i = 0; i < 250; i++)
        {
            events.Add($$"""{"type":"step_started","timestamp":"{{At(start.AddSeconds(1))}}","stepId":"tool-{{i:D3}}"}""");
            events.Add(i % 50 == 7
                ? $$$"""{"type":"step_failed","timestamp":"{{{At(start.AddSeconds(2))}}}","stepId":"tool-{{{i:D3}}}","willRetry":false,"costUsd":"{{{i / 1000m}}}","error":{"message":"boom"}}"""
                : $$"""{"type":"step_completed","timestamp":"{{At(start.AddSeconds(2))}}","stepId":"tool-{{i:D3}}","costUsd":"{{i / 1000m}}"}""");
        }
        await Http.PostOkAsync($"ins-{Guid.NewGuid():N}", "[" + string.Join(",", events) + "]");
        var period = Period(Hour, Hour.AddHours(1), wf);
        static List<string> Ids(JsonElement list) => [.. list.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("stepId").GetString()!)];

        var first = await Http.GetJsonAsync($"api/insights/steps?{period}");
        Assert.Equal(250, first.GetProperty("totalSteps").GetInt64());
        var ids = Ids(first);
        Assert.Equal(200, ids.Count);
        // Most failures first (then by id, every duration being alike).
        Assert.Equal(["tool-007", "tool-057", "tool-107", "tool-157", "tool-207", "tool-000"], ids[..6]);

        var costliest = await Http.GetJsonAsync($"api/insights/steps?{period}&sort=cost&limit=3");
        Assert.Equal(["tool-249", "tool-248", "tool-247"], Ids(costliest));
        Assert.Equal("0.249", costliest.GetProperty("steps")[0].GetProperty("costUsd").GetString());
        Assert.Equal(["tool-000", "tool-001"], Ids(await Http.GetJsonAsync($"api/insights/steps?{period}&sort=cost&order=asc&limit=2")));
        Assert.Equal(["tool-000", "tool-001"], Ids(await Http.GetJsonAsync($"api/insights/steps?{period}&sort=name&limit=2")));
        Assert.Equal(250, Ids(await Http.GetJsonAsync($"api/insights/steps?{period}&limit=1000")).Count);
    }

    [Fact]
    public async Task Workflows_GiveTheFirstOnesAsked_SortedOverThemAll_AndSayHowManyRan()
    {
        // A workflow per tenant makes thousands: the overview drew 5,000 rows (4-5 s). Five here, read two at a time.
        var hour = Hour.AddDays(-20);
        var prefix = $"wf-tenant-{Guid.NewGuid():N}";
        for (var i = 0; i < 5; i++)
        {
            await RunAsync($"{prefix}-{i}", hour.AddMinutes(i), 1000, i == 3 ? "failed" : "completed", $"0.{i + 1}", error: "boom");
        }
        var period = $"from={Uri.EscapeDataString(At(hour))}&to={Uri.EscapeDataString(At(hour.AddHours(1)))}";
        static List<string> Ids(JsonElement list) => [.. list.GetProperty("workflows").EnumerateArray().Select(w => w.GetProperty("workflowId").GetString()!)];

        var all = await Http.GetJsonAsync($"api/insights/workflows?{period}");
        Assert.Equal(5, all.GetProperty("totalWorkflows").GetInt64());
        Assert.Equal([$"{prefix}-3", $"{prefix}-0", $"{prefix}-1", $"{prefix}-2", $"{prefix}-4"], Ids(all));
        var two = await Http.GetJsonAsync($"api/insights/workflows?{period}&limit=2");
        Assert.Equal((5L, 2), (two.GetProperty("totalWorkflows").GetInt64(), Ids(two).Count));
        Assert.Equal([$"{prefix}-4", $"{prefix}-3"], Ids(await Http.GetJsonAsync($"api/insights/workflows?{period}&sort=cost&limit=2")));
        Assert.Equal([$"{prefix}-0", $"{prefix}-1"], Ids(await Http.GetJsonAsync($"api/insights/workflows?{period}&sort=cost&order=asc&limit=2")));
    }

    [Fact]
    public async Task AFleetsCostPastWhat64BitsOfPicoDollarsHold_IsSummedExactly_AndOneWorkflowsNeverWrapsNegative()
    {
        // Costs are kept in 10^-12 USD: a period's sum over the fleet past $9.2 million was a 500 for the overview on both
        // stores (SQLite's integer overflow, PostgreSQL's bigint out of range).
        var fleetHour = Hour.AddDays(-40);
        var model = $"model-{Guid.NewGuid():N}";
        for (var i = 0; i < 10; i++)
        {
            var runId = $"ins-{Guid.NewGuid():N}";
            var start = fleetHour.AddMinutes(i);
            await Http.PostOkAsync(runId, $$"""
                [{"type":"run_started","timestamp":"{{At(start)}}","workflowId":"wf-fleet-{{i}}-{{Guid.NewGuid():N}}"},
                 {"type":"step_started","timestamp":"{{At(start.AddSeconds(1))}}","stepId":"llm"},
                 {"type":"step_completed","timestamp":"{{At(start.AddSeconds(2))}}","stepId":"llm","modelUsed":"{{model}}","costUsd":"1000000"},
                 {"type":"run_completed","timestamp":"{{At(start.AddSeconds(3))}}"}]
                """);
        }
        var period = $"from={Uri.EscapeDataString(At(fleetHour))}&to={Uri.EscapeDataString(At(fleetHour.AddHours(1)))}";
        var summary = await Http.GetJsonAsync($"api/insights/summary?{period}");
        Assert.Equal((10, "10000000"), (summary.GetProperty("runs").GetInt32(), summary.GetProperty("costUsd").GetString()));
        var used = Assert.Single((await Http.GetJsonAsync($"api/insights/models?{period}")).GetProperty("models").EnumerateArray());
        Assert.Equal((model, "10000000"), (used.GetProperty("model").GetString(), used.GetProperty("costUsd").GetString()));
        var workflows = (await Http.GetJsonAsync($"api/insights/workflows?{period}")).GetProperty("workflows").EnumerateArray().ToList();
        Assert.Equal(10, workflows.Count);
        Assert.All(workflows, w => Assert.Equal("1000000", w.GetProperty("costUsd").GetString()));

        // One workflow's ten runs of $1,000,000 in one minute pass what one aggregate row holds: SQLite's rows wrapped to a
        // negative cost. Now a row never wraps: the pass that would take it past 64 bits sets that run's deltas aside
        // (logged), or the store spreads them over rows that hold them (PostgreSQL's shards). What is counted is exact.
        var wf = $"wf-costly-{Guid.NewGuid():N}";
        var minute = fleetHour.AddHours(3);
        for (var i = 0; i < 10; i++)
        {
            await RunAsync(wf, minute.AddMilliseconds(i), 1000, "completed", "1000000");
        }
        var costly = await Http.GetJsonAsync($"api/insights/summary?{Period(minute, minute.AddHours(1), wf)}");
        var runs = costly.GetProperty("runs").GetInt32();
        Assert.InRange(runs, 9, 10);
        Assert.Equal((runs * 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture), costly.GetProperty("costUsd").GetString());
        var step = Assert.Single((await Http.GetJsonAsync($"api/insights/steps?{Period(minute, minute.AddHours(1), wf)}")).GetProperty("steps").EnumerateArray());
        Assert.Equal((runs, costly.GetProperty("costUsd").GetString()), (step.GetProperty("attempts").GetInt32(), step.GetProperty("costUsd").GetString()));
    }

    [Theory]
    [InlineData("api/insights/summary?from=2026-01-10T11:00:00Z&to=2026-01-10T10:00:00Z", "from must be before to")]
    [InlineData("api/insights/summary?from=yesterday", "from must be an RFC 3339")]
    [InlineData("api/insights/timeseries?bucket=week", "bucket must be")]
    [InlineData("api/insights/timeseries?bucket=minute&from=2026-01-01T00:00:00Z&to=2026-01-10T00:00:00Z", "minute buckets")]
    [InlineData("api/insights/steps", "workflowId is required")]
    [InlineData("api/insights/steps?workflowId=wf&limit=1001", "limit must be a whole number from 1 to 1,000")]
    [InlineData("api/insights/workflows?limit=0", "limit must be a whole number from 1 to 1,000")]
    [InlineData("api/insights/workflows?sort=tokens", "sort must be one of name, runs")]
    [InlineData("api/insights/steps?workflowId=wf&sort=<script>", "sort must be one of name, attempts")]
    [InlineData("api/insights/steps?workflowId=wf&sort=cost&order=up", "order must be asc or desc")]
    [InlineData("api/insights/failures?limit=0", "limit must be")]
    [InlineData("api/runs/facets?workflowLimit=1001", "workflowLimit must be a whole number from 0 to 1,000")]
    [InlineData("api/runs/facets?workflowLimit=-1", "workflowLimit must be a whole number from 0 to 1,000")]
    [InlineData("api/runs/facets?workflowLimit=ten", "workflowLimit must be a whole number from 0 to 1,000")]
    public async Task BadParameters_AreInvalidInputSayingWhatIsWrong(string path, string expected)
    {
        var (status, body) = await Http.GetErrorAsync(path);

        Assert.Equal(400, status);
        Assert.Equal("INVALID_INPUT", body.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains(expected, body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
