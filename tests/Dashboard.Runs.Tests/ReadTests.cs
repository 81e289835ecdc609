using System.Net;
using System.Text.Json;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

public abstract class ReadTests(RunsServiceFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task StepTrace_LatestAllNumberedAndLoopIterations()
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(
            Started(),
            StepStarted("charge", 1), StepFailed("charge", 1), StepStarted("charge", 2), StepCompleted("charge", 2),
            StepStarted("item", 1, loopIndex: 0), StepCompleted("item", 1, loopIndex: 0),
            StepStarted("item", 1, loopIndex: 1), StepFailed("item", 1, loopIndex: 1), StepStarted("item", 2, loopIndex: 1)));

        var latest = await Http.GetJsonAsync($"api/runs/{runId}/steps/charge/trace");
        var all = await Http.GetJsonAsync($"api/runs/{runId}/steps/charge/trace?attempt=all");
        var first = await Http.GetJsonAsync($"api/runs/{runId}/steps/charge/trace?attempt=1");
        var iteration = await Http.GetJsonAsync($"api/runs/{runId}/steps/item/trace?loopIndex=1&attempt=all");

        Assert.Equal((2, "completed"), (latest.GetProperty("attempt").GetInt32(), latest.GetProperty("status").GetString()));
        Assert.Equal([1, 2], all.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("attempt").GetInt32()));
        Assert.Equal("upstream 502", first.GetProperty("errorContext").GetProperty("message").GetString());
        Assert.Equal(1, iteration.GetProperty("loopIndex").GetInt32());
        Assert.Equal(["failed", "running"], iteration.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("status").GetString()));

        // Asked without its iteration, a step that only ran in a loop says which to give.
        var (status, missing) = await Http.GetErrorAsync($"api/runs/{runId}/steps/item/trace");
        Assert.Equal(404, status);
        Assert.Equal($"Step item of run {runId} ran in a loop (2 iterations, 0 to 1): give loopIndex.", missing.GetProperty("error").GetProperty("message").GetString());

        var trace = await Http.GetJsonAsync($"api/runs/{runId}/trace");
        Assert.Equal(["charge", "item", "item"], trace.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("stepId").GetString()));
        Assert.Equal(2, trace.GetProperty("steps")[0].GetProperty("attemptCount").GetInt32());
    }

    [Fact]
    public async Task AStepRetriedBatchAfterBatch_KeepsEveryAttemptWithItsPayloads_AndOneLatest()
    {
        // As an engine polling something reports it: each attempt in a batch of its own. Each batch stores the attempt it
        // adds and the one it succeeds; the ones before stay as they were stored.
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started()));
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await Http.PostOkAsync(runId, Batch(StepStarted("poll", attempt, input: $$"""{"try":{{attempt}}}"""), StepFailed("poll", attempt, message: $"not ready {attempt}")));
        }
        await Http.PostOkAsync(runId, Batch(StepStarted("poll", 6, input: """{"try":6}"""), StepCompleted("poll", 6, output: """{"ready":true}""")));

        var all = (await Http.GetJsonAsync($"api/runs/{runId}/steps/poll/trace?attempt=all")).GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3, 4, 5, 6], all.Select(a => a.GetProperty("attempt").GetInt32()));
        Assert.Equal([1, 2, 3, 4, 5, 6], all.Select(a => a.GetProperty("inputContext").GetProperty("try").GetInt32()));
        Assert.Equal(["not ready 1", "not ready 2", "not ready 3", "not ready 4", "not ready 5"], all.Take(5).Select(a => a.GetProperty("errorContext").GetProperty("message").GetString()));
        Assert.True(all[5].GetProperty("outputContext").GetProperty("ready").GetBoolean());

        var third = await Http.GetJsonAsync($"api/runs/{runId}/steps/poll/trace?attempt=3");
        Assert.Equal(("failed", 3), (third.GetProperty("status").GetString(), third.GetProperty("inputContext").GetProperty("try").GetInt32()));
        var step = Assert.Single((await Http.GetJsonAsync($"api/runs/{runId}/trace")).GetProperty("steps").EnumerateArray());
        Assert.Equal((6, 6, "completed"), (step.GetProperty("attempt").GetInt32(), step.GetProperty("attemptCount").GetInt32(), step.GetProperty("status").GetString()));
        var timeline = (await Http.GetJsonAsync($"api/runs/{runId}/timeline")).GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3, 4, 5, 6], timeline.Select(a => a.GetProperty("attempt").GetInt32()));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AnAttemptRetriedInALaterBatch_ReadsBackAsIfItsRetryHadComeInTheSameBatch(bool willRetry)
    {
        // Once a batch is stored the service lets go of its ended attempts' payloads (unless a retry was announced); a
        // retry in a later batch rewrites the attempt before it (no longer the latest) from memory or from its stored row.
        // Either way it must read back as one never let go of: the same JSON as in a run that reported the retry in the
        // same batch, payloads, error stack and data included.
        const string input = """{"amount":42,"note":"caf\u00e9 </script>","attemptCount":7,"nested":{"attemptCount":8}}""";
        var events = new[]
        {
            Started(),
            StepStarted("charge", 1, input: input),
            $$$"""{"type":"step_failed","timestamp":"{{{Time()}}}","stepId":"charge","attempt":1,"error":{"code":"E502","message":"upstream 502","stack":"at Charge()","data":{"card":"visa","attemptCount":3}},"willRetry":{{{(willRetry ? "true" : "false")}}}}""",
            StepStarted("charge", 2, input: """{"amount":42}"""),
            StepCompleted("charge", 2, output: """{"receipt":"r-1"}"""),
        };
        var split = NewRunId();
        await Http.PostOkAsync(split, Batch(events[..3]));
        await Http.PostOkAsync(split, Batch(events[3..]));
        var whole = NewRunId();
        await Http.PostOkAsync(whole, Batch(events));

        var attempts = (await Http.GetJsonAsync($"api/runs/{split}/steps/charge/trace?attempt=all")).GetProperty("attempts").EnumerateArray().ToList();
        var control = (await Http.GetJsonAsync($"api/runs/{whole}/steps/charge/trace?attempt=all")).GetProperty("attempts").EnumerateArray().ToList();

        Assert.Equal(control.Select(a => a.GetRawText()), attempts.Select(a => a.GetRawText()));
        var first = attempts[0];
        Assert.False(first.TryGetProperty("attemptCount", out _));
        Assert.Equal(7, first.GetProperty("inputContext").GetProperty("attemptCount").GetInt32());
        Assert.Equal(("at Charge()", 3), (first.GetProperty("errorContext").GetProperty("stack").GetString(),
            first.GetProperty("errorContext").GetProperty("data").GetProperty("attemptCount").GetInt32()));
        Assert.Equal(2, attempts[1].GetProperty("attemptCount").GetInt32());
        var firstRead = await Http.GetJsonAsync($"api/runs/{split}/steps/charge/trace?attempt=1");
        Assert.Equal("café </script>", firstRead.GetProperty("inputContext").GetProperty("note").GetString());
    }

    [Fact]
    public async Task Timeline_HasEveryAttemptInOrder_WithoutPayloads_AndTheOffsetItReflects()
    {
        var runId = NewRunId();
        string Failure() => $$$"""{"type":"step_failed","timestamp":"{{{Time()}}}","stepId":"charge","error":{"code":"E502","message":"upstream 502","stack":"at Charge()","data":{"card":"visa"}},"willRetry":true}""";
        await Http.PostOkAsync(runId, Batch(
            Started(),
            StepStarted("charge", 1, input: "{\"amount\":42}"), Failure(), StepStarted("charge", 2), StepCompleted("charge", 2, output: "{\"receipt\":\"r-1\"}", cost: "0.0125"),
            StepStarted("item", 1, loopIndex: 0), StepCompleted("item", 1, loopIndex: 0)));

        var timeline = await Http.GetJsonAsync($"api/runs/{runId}/timeline");
        var events = await Http.GetAsync($"api/runs/{runId}/events?offset=-1", TestContext.Current.CancellationToken);

        Assert.Equal(runId, timeline.GetProperty("record").GetProperty("id").GetString());
        var attempts = timeline.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal([("charge", 1), ("charge", 2), ("item", 1)], attempts.Select(a => (a.GetProperty("stepId").GetString(), a.GetProperty("attempt").GetInt32())));
        Assert.All(attempts, a =>
        {
            Assert.False(a.TryGetProperty("inputContext", out _));
            Assert.False(a.TryGetProperty("outputContext", out _));
        });
        // What the timeline shows stays: the error's code and message, sizes, cost (exact, as a string).
        var error = attempts[0].GetProperty("errorContext");
        Assert.Equal(("E502", "upstream 502"), (error.GetProperty("code").GetString(), error.GetProperty("message").GetString()));
        Assert.False(error.TryGetProperty("stack", out _));
        Assert.False(error.TryGetProperty("data", out _));
        Assert.True(attempts[0].GetProperty("inputSizeBytes").GetInt64() > 0);
        Assert.Equal("0.0125", attempts[1].GetProperty("costUsd").GetString());
        Assert.Equal(events.Headers.GetValues("Stream-Next-Offset").Single(), timeline.GetProperty("offset").GetString());
    }

    [Fact]
    public async Task Timeline_WithALimit_HasTheFirstAttemptsInOrder_AndSaysHowManyThereAre()
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(
            Started(),
            StepStarted("charge", 1), StepFailed("charge", 1), StepStarted("charge", 2), StepCompleted("charge", 2),
            StepStarted("notify"), StepCompleted("notify"),
            StepStarted("archive")));

        var firstTwo = await Http.GetJsonAsync($"api/runs/{runId}/timeline?limit=2");
        var firstThree = await Http.GetJsonAsync($"api/runs/{runId}/timeline?limit=3");
        var whole = await Http.GetJsonAsync($"api/runs/{runId}/timeline");
        var beyond = await Http.GetJsonAsync($"api/runs/{runId}/timeline?limit=50");

        static List<(string?, int)> Attempts(JsonElement timeline) =>
            timeline.GetProperty("attempts").EnumerateArray().Select(a => (a.GetProperty("stepId").GetString(), a.GetProperty("attempt").GetInt32())).ToList();
        Assert.Equal([("charge", 1), ("charge", 2)], Attempts(firstTwo));
        Assert.Equal([("charge", 1), ("charge", 2), ("notify", 1)], Attempts(firstThree));
        Assert.Equal([("charge", 1), ("charge", 2), ("notify", 1), ("archive", 1)], Attempts(whole));
        Assert.Equal(Attempts(whole), Attempts(beyond));
        Assert.All([firstTwo, firstThree, whole, beyond], t => Assert.Equal(4, t.GetProperty("attemptCount").GetInt32()));
        // One read: the first page's offset is the whole run's as of that moment.
        Assert.Equal(whole.GetProperty("offset").GetString(), firstTwo.GetProperty("offset").GetString());
    }

    [Theory]
    [InlineData("timeline?limit=0", 400, "INVALID_INPUT")]
    [InlineData("timeline?limit=many", 400, "INVALID_INPUT")]
    [InlineData("steps/nope/trace", 404, "RESOURCE_NOT_FOUND")]
    [InlineData("steps/charge/trace?attempt=9", 404, "RESOURCE_NOT_FOUND")]
    [InlineData("steps/charge/trace?attempt=zero", 400, "INVALID_INPUT")]
    [InlineData("steps/charge/trace?loopIndex=-1", 400, "INVALID_INPUT")]
    [InlineData("events?offset=garbage", 400, "INVALID_INPUT")]
    [InlineData("events?offset=-1&tail=0", 400, "INVALID_INPUT")]
    public async Task BadStepAndStreamQueries_AnswerWithTheEnvelope(string suffix, int status, string code)
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started(), StepStarted("charge"), StepCompleted("charge")));

        var (actual, body) = await Http.GetErrorAsync($"api/runs/{runId}/{suffix}");

        Assert.Equal(status, actual);
        Assert.Equal(code, body.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task UnknownRunsAndRoutes_AreResourceNotFound()
    {
        // Under /v1 too (the seeds' run record and OTLP): a path there with no route, or a GET of OTLP's POST-only
        // /v1/traces, answered an empty 404.
        foreach (var url in new[] { "api/runs/does-not-exist", "api/runs/does-not-exist/trace", "api/runs/does-not-exist/events", "api/no/such/route", "v1/runs/does-not-exist", "v1/no/such/route", "v1/traces", "v1" })
        {
            var (status, body) = await Http.GetErrorAsync(url);
            Assert.Equal(404, status);
            Assert.Equal("RESOURCE_NOT_FOUND", body.GetProperty("error").GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task Events_TailGivesTheLastN_AndLongPollReturnsWhatComesNext()
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started(), StepStarted("a"), StepCompleted("a"), StepStarted("b")));

        var tail = await Http.GetJsonAsync($"api/runs/{runId}/events?offset=-1&tail=2");
        Assert.Equal(["step_completed", "step_started"], tail.EnumerateArray().Select(e => e.GetProperty("type").GetString()));

        var tailOffset = tail[1].GetProperty("offset").GetString();
        var waiting = Http.GetAsync($"api/runs/{runId}/events?offset={tailOffset}&live=long-poll", TestContext.Current.CancellationToken);
        await Http.PostOkAsync(runId, Batch(StepCompleted("b")));
        var response = await waiting;
        var next = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("step_completed", Assert.Single(next.EnumerateArray()).GetProperty("type").GetString());
        Assert.Equal(response.Headers.GetValues("Stream-Next-Offset").Single(), next[0].GetProperty("offset").GetString());
    }

    [Fact]
    public async Task ChildrenAndFamilyRollup_CountEachRunOnce()
    {
        var parent = NewRunId("parent");
        var child = NewRunId("child");
        await Http.PostOkAsync(parent, Batch(Started(), StepStarted("plan"), StepCompleted("plan", cost: "0.01", model: "gpt-4o")));
        await Http.PostOkAsync(child, Batch(Started(extra: $"\"parentRunId\":\"{parent}\""), StepStarted("draft"), StepFailed("draft", 1), StepStarted("draft", 2), StepCompleted("draft", 2, cost: "0.002", model: "gpt-4o-mini")));

        var children = await Http.GetJsonAsync($"api/runs/{parent}/children");
        var rollup = await Http.GetJsonAsync($"api/runs/{parent}/rollup");

        Assert.Equal([child], children.EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.Equal("0.012", rollup.GetProperty("total").GetProperty("costUsd").GetString());
        Assert.Equal(200, rollup.GetProperty("total").GetProperty("tokens").GetProperty("prompt").GetInt64());
        Assert.Equal(3, rollup.GetProperty("total").GetProperty("attempts").GetInt32());
        Assert.Equal(["gpt-4o", "gpt-4o-mini"], rollup.GetProperty("total").GetProperty("byModel").EnumerateArray().Select(m => m.GetProperty("model").GetString()));
    }

    [Fact]
    public async Task Executions_UseTheSeedShape_InSnakeCase()
    {
        var workflow = "wf-exec-" + Guid.NewGuid().ToString("N")[..8];
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(
            Started(workflow, "\"eventName\":\"invoice.created\",\"columnConfig\":[{\"column\":\"Total\",\"path\":\"amount\"}]"),
            StepStarted("extract", input: """{"file":"inv.pdf"}"""),
            """{"type":"step_completed","timestamp":"TS","stepId":"extract","output":{"amount":12},"mappedOutput":{"Total":12}}""".Replace("TS", Time(), StringComparison.Ordinal),
            StepStarted("approve"), StepFailed("approve", message: "limit exceeded", willRetry: false), RunFailed("approval failed")));

        var detail = await Http.GetJsonAsync($"api/workflows/{workflow}/executions/{runId}");
        var list = await Http.GetJsonAsync($"api/workflows/{workflow}/executions");

        Assert.Equal(("failed", "invoice.created", "approval failed"), (detail.GetProperty("status").GetString(), detail.GetProperty("event_name").GetString(), detail.GetProperty("error").GetString()));
        Assert.Equal("Total", detail.GetProperty("column_config")[0].GetProperty("column").GetString());
        var extract = detail.GetProperty("steps")[0];
        Assert.Equal(("extract", "inv.pdf", 12), (extract.GetProperty("step_id").GetString(), extract.GetProperty("input").GetProperty("file").GetString(), extract.GetProperty("mapped_output").GetProperty("Total").GetInt32()));
        Assert.Equal("limit exceeded", detail.GetProperty("steps")[1].GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(runId, Assert.Single(list.GetProperty("executions").EnumerateArray()).GetProperty("run_id").GetString());
        Assert.Equal(404, (await Http.GetErrorAsync($"api/workflows/other-workflow/executions/{runId}")).Status);
    }

    [Fact]
    public async Task Feed_CarriesEveryBatchAsARunChange()
    {
        var tail = (await Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/runs/feed?offset=now"), TestContext.Current.CancellationToken)).Headers.GetValues("Stream-Next-Offset").Single();
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started()));
        await Http.PostOkAsync(runId, Batch(RunCompleted()));

        var changes = (await Http.GetJsonAsync($"api/runs/feed?offset={tail}")).EnumerateArray().Where(c => c.GetProperty("runId").GetString() == runId).ToList();

        Assert.Equal(["running", "completed"], changes.Select(c => c.GetProperty("status").GetString()));
        Assert.All(changes, c => Assert.False(string.IsNullOrEmpty(c.GetProperty("feedOffset").GetString())));
    }

    [Fact]
    public async Task Feed_AStepsFailureCarriesItsOwnError_WhileTheRunGoesOn()
    {
        var tail = (await Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/runs/feed?offset=now"), TestContext.Current.CancellationToken)).Headers.GetValues("Stream-Next-Offset").Single();
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started(), StepStarted("charge")));
        await Http.PostOkAsync(runId, Batch(StepFailed("charge", message: "card declined", willRetry: true)));

        var change = (await Http.GetJsonAsync($"api/runs/feed?offset={tail}")).EnumerateArray().Last(c => c.GetProperty("runId").GetString() == runId);

        Assert.Equal(("step_failed", "running"), (change.GetProperty("event").GetString(), change.GetProperty("status").GetString()));
        Assert.Equal(("card declined", true), (change.GetProperty("stepError").GetString(), change.GetProperty("willRetry").GetBoolean()));
        Assert.False(change.TryGetProperty("errorMessage", out _));
    }

    [Fact]
    public async Task Feed_AnEntryListsItsBatchsEarlierChanges_TheLatestTen()
    {
        var ct = TestContext.Current.CancellationToken;
        var tail = (await Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/runs/feed?offset=now"), ct)).Headers.GetValues("Stream-Next-Offset").Single();
        var runId = NewRunId();
        // As an engine's reporter sends them: a step's completion and the next step's start in one batch, a log line between.
        await Http.PostOkAsync(runId, Batch(Started(), StepStarted("fetch")));
        await Http.PostOkAsync(runId, Batch(StepCompleted("fetch"), $$"""{"type":"log","timestamp":"{{Time()}}","level":"info","message":"fetched"}""", StepStarted("parse", loopIndex: 2)));
        // A large batch: 30 steps started and completed, then one more started.
        await Http.PostOkAsync(runId, Batch([.. Enumerable.Range(0, 30).SelectMany(i => new[] { StepStarted($"s{i}"), StepCompleted($"s{i}") }), StepStarted("last")]));

        var changes = (await Http.GetJsonAsync($"api/runs/feed?offset={tail}")).EnumerateArray().Where(c => c.GetProperty("runId").GetString() == runId).ToList();

        Assert.Equal(3, changes.Count);
        Assert.Equal(["run_started"], changes[0].GetProperty("earlier").EnumerateArray().Select(e => e.GetProperty("event").GetString()));
        Assert.Equal(("step_started", "parse", 2), (changes[1].GetProperty("event").GetString(), changes[1].GetProperty("stepId").GetString(), changes[1].GetProperty("loopIndex").GetInt32()));
        var earlier = changes[1].GetProperty("earlier").EnumerateArray().ToList();
        Assert.Equal([("step_completed", "fetch")], earlier.Select(e => (e.GetProperty("event").GetString(), e.GetProperty("stepId").GetString())));
        Assert.True(earlier[0].TryGetProperty("at", out _));
        Assert.False(changes[1].TryGetProperty("earlierLeftOut", out _));

        var large = changes[2].GetProperty("earlier").EnumerateArray().ToList();
        Assert.Equal(["s25", "s25", "s26", "s26", "s27", "s27", "s28", "s28", "s29", "s29"], large.Select(e => e.GetProperty("stepId").GetString()));
        Assert.Equal(60 - 10, changes[2].GetProperty("earlierLeftOut").GetInt32());
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheRoutes()
    {
        var document = await Http.GetJsonAsync("openapi/v1.json");
        var paths = document.GetProperty("paths");
        foreach (var route in new[] { "/api/runs", "/api/runs/{runId}", "/api/runs/{runId}/trace", "/api/runs/{runId}/steps/{stepId}/trace", "/api/runs/{runId}/events", "/api/workflows/{workflowId}/executions/{runId}", "/api/insights/failures/{signature}" })
        {
            Assert.True(paths.TryGetProperty(route, out _), route);
        }
    }

    [Fact]
    public async Task OpenApiDocument_ListsTheQueryParametersEachRouteReads()
    {
        // The handlers read their query by hand, so the document listed none: a client made from it could not page or filter.
        var paths = (await Http.GetJsonAsync("openapi/v1.json")).GetProperty("paths");
        string[] Query(string route) =>
            [.. paths.GetProperty(route).GetProperty("get").GetProperty("parameters").EnumerateArray()
                .Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!)];

        Assert.Equal(["status", "workflowId", "triggerType", "experimentId", "parentRunId", "model", "failureSignature", "from", "to", "q", "sort", "limit", "cursor", "counts"], Query("/api/runs"));
        Assert.Equal(["workflowSearch", "workflowLimit"], Query("/api/runs/facets"));
        Assert.Equal(["attempt", "loopIndex"], Query("/api/runs/{runId}/steps/{stepId}/trace"));
        Assert.Equal(["offset", "live", "cursor", "tail"], Query("/api/runs/{runId}/events"));
        Assert.Equal(["from", "to", "workflowId", "bucket"], Query("/api/insights/timeseries"));
        Assert.DoesNotContain("workflowId", Query("/api/workflows/{workflowId}/executions"));
        var search = paths.GetProperty("/api/search").GetProperty("get").GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "q");
        Assert.True(search.GetProperty("required").GetBoolean());
        var limit = paths.GetProperty("/api/runs").GetProperty("get").GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "limit");
        Assert.Equal("integer", limit.GetProperty("schema").GetProperty("type").GetString());
        Assert.Contains("1-200", limit.GetProperty("description").GetString(), StringComparison.Ordinal);
    }
}
