using System.Net;
using System.Text.Json;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

public abstract class IngestionTests(RunsServiceFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task Batch_IsStoredAndServedAsRecordTraceAndEvents()
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started(), StepStarted("fetch", input: """{"invoice":42}"""), StepCompleted("fetch", output: """{"amount":"120.50"}""", cost: "0.0015", model: "gpt-4o")));

        var record = await Http.GetJsonAsync($"api/runs/{runId}");
        Assert.Equal("running", record.GetProperty("status").GetString());
        Assert.Equal("wf-invoices", record.GetProperty("flowId").GetString());
        Assert.Equal("0.0015", record.GetProperty("costUsd").GetString());
        Assert.Equal(40, record.GetProperty("cachedTokens").GetInt64());

        var trace = await Http.GetJsonAsync($"api/runs/{runId}/trace");
        var step = Assert.Single(trace.GetProperty("steps").EnumerateArray());
        Assert.Equal(42, step.GetProperty("inputContext").GetProperty("invoice").GetInt32());
        Assert.Equal("120.50", step.GetProperty("outputContext").GetProperty("amount").GetString());
        Assert.Equal(runId, trace.GetProperty("flowRun").GetProperty("id").GetString());

        var events = await Http.GetJsonAsync($"api/runs/{runId}/events?offset=-1");
        var offsets = events.EnumerateArray().Select(e => e.GetProperty("offset").GetString()!).ToList();
        Assert.Equal(3, offsets.Count);
        Assert.Equal(offsets.Order(StringComparer.Ordinal), offsets);
        Assert.Equal(trace.GetProperty("offset").GetString(), offsets[^1]);
    }

    [Fact]
    public async Task RejectedBatch_NamesEventAndField_AndLeavesNoTrace()
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started(), StepStarted("a")));
        var before = await Http.GetStringAsync($"api/runs/{runId}/events?offset=-1", TestContext.Current.CancellationToken);
        var recordBefore = await Http.GetStringAsync($"api/runs/{runId}", TestContext.Current.CancellationToken);

        var response = await Http.PostEventsAsync(runId, Batch(StepCompleted("a"), StepStarted("b"), StepCompleted("ghost")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("error");
        Assert.Equal("INVALID_INPUT", error.GetProperty("code").GetString());
        Assert.Contains("event 2 (step_completed), field stepId", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("requestId").GetString()));
        Assert.Equal(before, await Http.GetStringAsync($"api/runs/{runId}/events?offset=-1", TestContext.Current.CancellationToken));
        Assert.Equal(recordBefore, await Http.GetStringAsync($"api/runs/{runId}", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AnEventStampedAYearAhead_IsInvalidInput_AndNothingOfItsBatchIsStored_WhileMinutesAheadAreTaken()
    {
        var runId = NewRunId();
        var now = DateTimeOffset.UtcNow;
        static string At(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

        // A broken clock: stored, this run would top the newest-first list for a year.
        var response = await Http.PostEventsAsync(runId,
            $$"""[{"type":"run_started","timestamp":"{{At(now)}}","workflowId":"wf-clock"},{"type":"step_started","timestamp":"{{At(now.AddDays(365))}}","stepId":"a"}]""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("error");
        Assert.Equal("INVALID_INPUT", error.GetProperty("code").GetString());
        Assert.Contains("event 1 (step_started), field timestamp: is 364 days ahead of the service's clock", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"api/runs/{runId}", TestContext.Current.CancellationToken)).StatusCode);

        // A worker whose clock runs minutes ahead is an ordinary one.
        await Http.PostOkAsync(runId,
            $$"""[{"type":"run_started","timestamp":"{{At(now)}}","workflowId":"wf-clock"},{"type":"step_started","timestamp":"{{At(now.AddMinutes(5))}}","stepId":"a"}]""");
        Assert.Equal("running", (await Http.GetJsonAsync($"api/runs/{runId}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task AnIdWithABidirectionalOverride_IsInvalidInput_AndNothingOfItsBatchIsStored_WhileRightToLeftIdsAreTaken()
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started(), StepStarted("fetch")));
        var before = await Http.GetStringAsync($"api/runs/{runId}/events?offset=-1", TestContext.Current.CancellationToken);

        // U+202E (right-to-left override): "approve-\u202Egnp.exe" displays as "approve-exe.png".
        var response = await Http.PostEventsAsync(runId, Batch(StepCompleted("fetch"), StepStarted("approve-\u202Egnp.exe")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("error");
        Assert.Equal("INVALID_INPUT", error.GetProperty("code").GetString());
        Assert.Contains("event 1 (step_started), field stepId: must not contain U+202E", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await Http.GetStringAsync($"api/runs/{runId}/events?offset=-1", TestContext.Current.CancellationToken));

        // A run id in the path and a workflow id are held to the same rule.
        var pathResponse = await Http.PostEventsAsync("run-\u2067x", Batch(Started()));
        Assert.Equal(HttpStatusCode.BadRequest, pathResponse.StatusCode);
        Assert.Contains("The run id must not contain U+2067", await MessageOf(pathResponse), StringComparison.Ordinal);
        var workflowResponse = await Http.PostEventsAsync(NewRunId(), Batch(Started("wf-\u202Dx")));
        Assert.Equal(HttpStatusCode.BadRequest, workflowResponse.StatusCode);
        Assert.Contains("field workflowId: must not contain U+202D", await MessageOf(workflowResponse), StringComparison.Ordinal);

        // So is a step's name, which the timeline shows in place of its id.
        var nameResponse = await Http.PostEventsAsync(runId, Batch(StepCompleted("fetch"), """{"type":"step_started","timestamp":"2026-11-23T09:00:00Z","stepId":"approve","stepName":"Approve \u202Eexe.gnp"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, nameResponse.StatusCode);
        Assert.Contains("field stepName: must not contain U+202E", await MessageOf(nameResponse), StringComparison.Ordinal);

        // Hebrew with a right-to-left mark is an ordinary id: only the controls that reorder a whole span are refused.
        await Http.PostOkAsync(runId, Batch(StepCompleted("fetch"), StepStarted("\u05D0\u05D9\u05E9\u05D5\u05E8\u200F-1")));
        Assert.Equal(2, (await Http.GetJsonAsync($"api/runs/{runId}/trace")).GetProperty("steps").GetArrayLength());
    }

    private static async Task<string> MessageOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("error").GetProperty("message").GetString()!;

    [Fact]
    public async Task AModelNameOfTenThousandCharacters_IsInvalidInput_AndCountsForNoModel()
    {
        var runId = NewRunId();
        var workflow = $"wf-model-{Guid.NewGuid():N}";
        await Http.PostOkAsync(runId, Batch(Started(workflow), StepStarted("llm")));

        var response = await Http.PostEventsAsync(runId, Batch(StepCompleted("llm", cost: "0.5", model: "<script>" + new string('m', 10_000)), RunCompleted()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("error");
        Assert.Equal("INVALID_INPUT", error.GetProperty("code").GetString());
        Assert.Contains("field modelUsed", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("running", (await Http.GetJsonAsync($"api/runs/{runId}")).GetProperty("status").GetString());
        var period = "from=2026-11-01T00:00:00Z&to=2027-03-01T00:00:00Z&workflowId=" + workflow;
        Assert.Empty((await Http.GetJsonAsync($"api/insights/models?{period}")).GetProperty("models").EnumerateArray());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"type\":\"run_started\"}")]
    [InlineData("[]")]
    [InlineData("[{\"type\":\"run_started\",\"timestamp\":\"2026-11-23T09:00:00Z\"}]")]
    [InlineData("[{\"type\":\"run_started\",\"timestamp\":\"2026-11-23T09:00:00Z\",\"workflowId\":\"wf\",\"offset\":\"x\"}]")]
    [InlineData("[{\"type\":\"<script>alert(1)</script>\",\"timestamp\":\"2026-11-23T09:00:00Z\"}]")]
    public async Task MalformedBatches_AreInvalidInput_AndCreateNothing(string body)
    {
        var runId = NewRunId();
        var response = await Http.PostEventsAsync(runId, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("INVALID_INPUT", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(404, (await Http.GetErrorAsync($"api/runs/{runId}")).Status);
    }

    [Theory]
    [InlineData(257)]
    [InlineData(-1)]
    public async Task ARunIdNoRunMayHave_IsInvalidInput_NamingTheRule_AndCreatesNothing(int length)
    {
        var runId = length > 0 ? new string('r', length) : "tab\there";
        var response = await Http.PostEventsAsync(runId, Batch(Started()));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVALID_INPUT", body.GetProperty("error").GetProperty("code").GetString());
        Assert.StartsWith("The run id must", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(404, (await Http.GetErrorAsync($"api/runs/{Uri.EscapeDataString(runId)}")).Status);
    }

    [Fact]
    public async Task OversizedBatch_Is413WithTheEnvelope()
    {
        var huge = new string('x', 9 * 1024 * 1024);
        var response = await Http.PostEventsAsync(NewRunId(), $$"""[{"type":"log","timestamp":"{{Time()}}","level":"info","message":"{{huge}}"}]""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("INVALID_INPUT", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResentBatch_WithProducerHeaders_IsHarmless()
    {
        var runId = NewRunId();
        var batch = Batch(Started(), StepStarted("a"));
        var producer = Producer("engine-7", 0, 0);

        var first = await Http.PostEventsAsync(runId, batch, producer);
        var again = await Http.PostEventsAsync(runId, batch, producer);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.True(JsonDocument.Parse(await again.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("duplicateBatch").GetBoolean());
        Assert.Equal(2, (await Http.GetJsonAsync($"api/runs/{runId}/events?offset=-1")).GetArrayLength());
    }

    [Fact]
    public async Task ResentEvents_WithEventIds_AreCountedAsDuplicates()
    {
        var runId = NewRunId();
        var started = Started().Replace("\"type\"", "\"eventId\":\"e1\",\"type\"", StringComparison.Ordinal);
        await Http.PostOkAsync(runId, Batch(started));

        var response = await Http.PostEventsAsync(runId, Batch(started, StepStarted("a").Replace("\"type\"", "\"eventId\":\"e2\",\"type\"", StringComparison.Ordinal)));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal((1, 1), (body.GetProperty("accepted").GetInt32(), body.GetProperty("duplicates").GetInt32()));
        Assert.Equal(2, (await Http.GetJsonAsync($"api/runs/{runId}/events?offset=-1")).GetArrayLength());
    }

    [Fact]
    public async Task AnEnginesLastBatchSentAgainAfterTheRunEnded_IsCountedAsDuplicates_AndStoresNothing()
    {
        // An engine whose final POST timed out sends it again; the run has ended meanwhile (and the service no longer
        // keeps an ended run's state in memory: the answer comes from its stream).
        var runId = NewRunId();
        string WithId(string e, string id) => e.Replace("\"type\"", $"\"eventId\":\"{id}\",\"type\"", StringComparison.Ordinal);
        await Http.PostOkAsync(runId, Batch(WithId(Started(), "e1"), WithId(StepStarted("a"), "e2")));
        var last = Batch(WithId(StepCompleted("a"), "e3"), WithId(RunCompleted(), "e4"));
        await Http.PostOkAsync(runId, last);
        var before = await Http.GetStringAsync($"api/runs/{runId}/events?offset=-1", TestContext.Current.CancellationToken);

        var again = await Http.PostEventsAsync(runId, last);

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var body = JsonDocument.Parse(await again.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal((0, 2), (body.GetProperty("accepted").GetInt32(), body.GetProperty("duplicates").GetInt32()));
        Assert.Equal(before, await Http.GetStringAsync($"api/runs/{runId}/events?offset=-1", TestContext.Current.CancellationToken));
        Assert.Equal("completed", (await Http.GetJsonAsync($"api/runs/{runId}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task APayload_IsStoredAsTheEngineWroteIt_AndOneEscapingHalfACharacterIsInvalidInput()
    {
        var runId = NewRunId();
        // Escaped and unescaped accents, markup, an escaped backslash before "uD800" (text, not an escape), an emoji as a
        // surrogate pair, a number with a trailing zero: the service used to write each of these its own way.
        const string input = """{"city":"Z\u00fcrich","also":"Zürich","tag":"<b>\/é</b>","path":"C:\\uD800","emoji":"\uD83D\uDE00","n":1.50}""";
        await Http.PostOkAsync(runId, Batch(Started(), StepStarted("geo", input: input)));

        var events = await Http.GetStringAsync($"api/runs/{runId}/events?offset=-1", TestContext.Current.CancellationToken);
        var trace = await Http.GetStringAsync($"api/runs/{runId}/steps/geo/trace", TestContext.Current.CancellationToken);
        Assert.Contains(input, events, StringComparison.Ordinal);
        Assert.Contains(input, trace, StringComparison.Ordinal);
        var kept = JsonDocument.Parse(trace).RootElement.GetProperty("inputContext");
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(input).RootElement, kept));
        Assert.Equal("Zürich", kept.GetProperty("city").GetString());
        Assert.Equal("C:\\uD800", kept.GetProperty("path").GetString());
        Assert.Equal("\U0001F600", kept.GetProperty("emoji").GetString());

        // Half of a character is not text: refused, naming the field, where it was a 500 once the batch was being stored.
        var recordBefore = await Http.GetStringAsync($"api/runs/{runId}", TestContext.Current.CancellationToken);
        foreach (var half in (string[])["x\\uD800y", "\\uDE00", "\\uD83D\\u0041", "\\uD83D"])
        {
            var response = await Http.PostEventsAsync(runId, Batch(StepCompleted("geo", output: $$"""{"list":[1,{"{{half}}":2}]}""")));

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("error");
            Assert.Equal("INVALID_INPUT", error.GetProperty("code").GetString());
            var message = error.GetProperty("message").GetString();
            Assert.Contains("event 0 (step_completed), field output", message, StringComparison.Ordinal);
            Assert.Contains("half of a character", message, StringComparison.Ordinal);
        }
        Assert.Equal(events, await Http.GetStringAsync($"api/runs/{runId}/events?offset=-1", TestContext.Current.CancellationToken));
        Assert.Equal(recordBefore, await Http.GetStringAsync($"api/runs/{runId}", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task BytesThatAreNotUtf8_AreInvalidInput_NamingTheField_AndNothingIsStored()
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started()));
        var eventsBefore = await Http.GetStringAsync($"api/runs/{runId}/events?offset=-1", TestContext.Current.CancellationToken);
        var recordBefore = await Http.GetStringAsync($"api/runs/{runId}", TestContext.Current.CancellationToken);

        // A Latin-1 "ÿ" (the byte 0xFF) in a metadata key was a 500 (the redactor read the key as a string); in a payload's
        // value it was stored as U+FFFD; in a step id it was "has the wrong type or format".
        foreach (var (field, json) in ((string Field, string Json)[])[
            ("metadata", """[{"type":"step_started","timestamp":"2026-12-01T09:00:01Z","stepId":"s","metadata":{"kÿ":1}}]"""),
            ("input", """[{"type":"step_started","timestamp":"2026-12-01T09:00:01Z","stepId":"s","input":{"name":"aÿb"}}]"""),
            ("stepId", """[{"type":"step_started","timestamp":"2026-12-01T09:00:01Z","stepId":"sÿ"}]""")])
        {
            // Written as Latin-1, "ÿ" is the one byte 0xFF, never in UTF-8 text; the rest is ASCII.
            var body = System.Text.Encoding.Latin1.GetBytes(json);
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new("application/json");
            var response = await Http.PostAsync($"api/runs/{runId}/events", content, TestContext.Current.CancellationToken);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("error");
            Assert.Equal("INVALID_INPUT", error.GetProperty("code").GetString());
            var message = error.GetProperty("message").GetString();
            Assert.Contains($"event 0 (step_started), field {field}: holds bytes that are not UTF-8 text", message, StringComparison.Ordinal);
        }
        Assert.Equal(eventsBefore, await Http.GetStringAsync($"api/runs/{runId}/events?offset=-1", TestContext.Current.CancellationToken));
        Assert.Equal(recordBefore, await Http.GetStringAsync($"api/runs/{runId}", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task TextWithANullCharacter_IsStoredAndServedAsSent_OnEveryStore_AndSearchGoesOn()
    {
        // "\u0000" is valid JSON. PostgreSQL refuses U+0000 in text: the workflow name, the log line and the run's error
        // were a 500 there, and the step's error, indexed for search, stopped the search indexer at its batch for good.
        var runId = NewRunId();
        var word = $"nulword{Guid.NewGuid():N}";
        var response = await Http.PostEventsAsync(runId, Batch(
            $$"""{"type":"run_started","timestamp":"{{Time()}}","workflowId":"wf-invoices","workflowName":"In\u0000voice","triggerType":"api"}""",
            StepStarted("fetch"),
            StepFailed("fetch", message: $"bad\\u0000reply {word}", willRetry: false),
            $$"""{"type":"log","timestamp":"{{Time()}}","level":"error","message":"li\u0000ne {{word}}"}""",
            RunFailed("pay\\u0000ment")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = await Http.GetJsonAsync($"api/runs/{runId}");
        // What the API serves is the rows' JSON, which holds the character as it came, on both stores.
        Assert.Equal("In\0voice", record.GetProperty("workflowName").GetString());
        Assert.Equal("pay\0ment", record.GetProperty("error").GetProperty("message").GetString());
        var log = Assert.Single((await Http.GetJsonAsync($"api/runs/{runId}/logs")).GetProperty("items").EnumerateArray());
        Assert.Equal($"li\0ne {word}", log.GetProperty("message").GetString());
        var step = Assert.Single((await Http.GetJsonAsync($"api/runs/{runId}/trace")).GetProperty("steps").EnumerateArray());
        Assert.Equal($"bad\0reply {word}", step.GetProperty("errorContext").GetProperty("message").GetString());

        // The search index took the batch (its text with U+FFFD in place of U+0000), and goes on with the next run's.
        var hits = (await Http.GetJsonAsync($"api/search?q={word}")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["error", "log"], hits.Select(h => h.GetProperty("field").GetString()).Order(StringComparer.Ordinal));
        Assert.Contains(hits, h => h.GetProperty("snippet").GetString()!.Contains($"li\uFFFDne {word}", StringComparison.Ordinal));
        var next = NewRunId();
        var nextWord = $"afterword{Guid.NewGuid():N}";
        await Http.PostOkAsync(next, Batch(Started(), StepStarted("fetch", input: $$"""{"note":"{{nextWord}}"}""")));
        Assert.Equal(next, Assert.Single((await Http.GetJsonAsync($"api/search?q={nextWord}")).GetProperty("items").EnumerateArray()).GetProperty("runId").GetString());
    }

    [Fact]
    public async Task ATriggerTypeThatIsNotALabel_IsInvalidInput_AndTheFleetViewGoesOnCounting()
    {
        // A trigger type is a key of the fleet's trigger filter. 3,000 characters did not fit its index on PostgreSQL: the
        // insights pass holding that run failed, and every pass after it, for every workflow.
        var workflow = $"wf-trigger-{Guid.NewGuid():N}";
        foreach (var (trigger, problem) in ((string, string)[])[
            (new string('t', 3_000), "must be at most 256 characters (got 3000)"),
            ("api\\nschedule", "must not contain control characters")])
        {
            var runId = NewRunId();
            var response = await Http.PostEventsAsync(runId, Batch($$"""{"type":"run_started","timestamp":"{{Time()}}","workflowId":"{{workflow}}","triggerType":"{{trigger}}"}""", RunFailed()));

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains($"event 0 (run_started), field triggerType: {problem}", await MessageOf(response), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"api/runs/{runId}", TestContext.Current.CancellationToken)).StatusCode);
        }

        await Http.PostOkAsync(NewRunId(), Batch(Started(workflow), RunFailed("card declined")));
        var summary = await Http.GetJsonAsync($"api/insights/summary?workflowId={workflow}&from=2026-11-01T00:00:00Z&to=2027-03-01T00:00:00Z");
        Assert.Equal((1, 1), (summary.GetProperty("runs").GetInt32(), summary.GetProperty("byStatus").GetProperty("failed").GetInt32()));
    }

    [Fact]
    public async Task AStreamPathOrProducerIdOfThousandsOfCharacters_IsABadRequest_OnEveryStore()
    {
        // Both are keys of the streams' store: PostgreSQL's indexes refused them with a 500, where SQLite took them.
        var ct = TestContext.Current.CancellationToken;
        // Letters that do not compress: PostgreSQL compresses a long key before it measures it against the index's limit.
        var random = new Random(15);
        var letters = string.Concat(Enumerable.Range(0, 3_000).Select(_ => (char)('a' + random.Next(26))));
        using var create = new HttpRequestMessage(HttpMethod.Put, $"v1/stream/{letters}") { Content = new StringContent("", System.Text.Encoding.UTF8, "application/json") };
        var created = await Http.SendAsync(create, ct);
        Assert.Equal(HttpStatusCode.BadRequest, created.StatusCode);
        Assert.Equal("A stream path is at most 1024 bytes (UTF-8).", await created.Content.ReadAsStringAsync(ct));
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"v1/stream/{letters}"), ct)).StatusCode);

        var streamPath = $"v1/stream/producers-{Guid.NewGuid():N}";
        using (var stream = new HttpRequestMessage(HttpMethod.Put, streamPath) { Content = new StringContent("", System.Text.Encoding.UTF8, "application/json") })
        {
            Assert.Equal(HttpStatusCode.Created, (await Http.SendAsync(stream, ct)).StatusCode);
        }
        var runId = NewRunId();
        foreach (var (path, body) in new[] { (streamPath, """[{"n":1}]"""), ($"api/runs/{runId}/events", Batch(Started())) })
        {
            using var append = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            append.Headers.Add("Producer-Id", letters);
            append.Headers.Add("Producer-Epoch", "0");
            append.Headers.Add("Producer-Seq", "0");
            var appended = await Http.SendAsync(append, ct);
            Assert.Equal(HttpStatusCode.BadRequest, appended.StatusCode);
            Assert.Contains("Producer-Id is at most 256 characters (got 3000).", await appended.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }
        Assert.Equal("[]", await Http.GetStringAsync($"{streamPath}?offset=-1", ct));
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"api/runs/{runId}", ct)).StatusCode);
    }

    [Fact]
    public async Task ACostOrTokenCountPastWhatTheSumsHold_IsInvalidInput_AndTheLargestTakenIsCounted()
    {
        // Costs are summed in 10^-12 USD in 64 bits: $100,000,000 for a step overflowed there (a 500, nothing stored), and
        // two steps of 9x10^18 prompt tokens made the fleet's total negative.
        var workflow = $"wf-usage-{Guid.NewGuid():N}";
        static string Ended(string stepId, string usage) =>
            $$"""{"type":"step_completed","timestamp":"{{Time()}}","stepId":"{{stepId}}","attempt":1,"modelUsed":"gpt-4o",{{usage}}}""";
        foreach (var (usage, problem) in ((string, string)[])[
            ("\"costUsd\":\"100000000\"", "field costUsd: must be at most 1,000,000 (USD)"),
            ("\"costUsd\":\"79228162514264337593543950335\"", "field costUsd: must be at most 1,000,000 (USD)"),
            ("\"tokens\":{\"prompt\":9000000000000000000}", "field tokens.prompt: must be at most 1,000,000,000,000"),
            ("\"tokens\":{\"prompt\":10,\"completion\":1000000000001}", "field tokens.completion: must be at most 1,000,000,000,000")])
        {
            var runId = NewRunId();
            var response = await Http.PostEventsAsync(runId, Batch(Started(workflow), StepStarted("llm"), Ended("llm", usage)));

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains($"event 2 (step_completed), {problem}", await MessageOf(response), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"api/runs/{runId}", TestContext.Current.CancellationToken)).StatusCode);
        }

        var largest = NewRunId();
        await Http.PostOkAsync(largest, Batch(Started(workflow), StepStarted("llm"),
            Ended("llm", "\"costUsd\":\"1000000\",\"tokens\":{\"prompt\":1000000000000,\"cached\":1000000000000,\"completion\":1000000000000}"), RunCompleted()));
        var record = await Http.GetJsonAsync($"api/runs/{largest}");
        Assert.Equal(("1000000", 2_000_000_000_000L), (record.GetProperty("costUsd").GetString(), record.GetProperty("totalTokens").GetInt64()));
        var summary = await Http.GetJsonAsync($"api/insights/summary?workflowId={workflow}&from=2026-11-01T00:00:00Z&to=2027-03-01T00:00:00Z");
        Assert.Equal((1, "1000000", 1_000_000_000_000L), (summary.GetProperty("runs").GetInt32(), summary.GetProperty("costUsd").GetString(),
            summary.GetProperty("tokens").GetProperty("prompt").GetInt64()));

        // A run's steps may not pass it together either (twelve steps of $1,000,000 were a 500 too). The batch that would
        // is refused whole, and the run goes on from where it was.
        var steps = NewRunId();
        await Http.PostOkAsync(steps, Batch(Started(workflow), StepStarted("a"), Ended("a", "\"costUsd\":\"600000\"")));
        var over = await Http.PostEventsAsync(steps, Batch(StepStarted("b"), Ended("b", "\"costUsd\":\"600000\"")));
        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        Assert.Contains("the run's cost would be 1200000 USD, past the 1,000,000 a run may report", await MessageOf(over), StringComparison.Ordinal);
        await Http.PostOkAsync(steps, Batch(StepStarted("b"), Ended("b", "\"costUsd\":\"400000\""), RunCompleted()));
        var run = await Http.GetJsonAsync($"api/runs/{steps}");
        Assert.Equal(("1000000", "completed", 2), (run.GetProperty("costUsd").GetString(), run.GetProperty("status").GetString(), run.GetProperty("stepCount").GetInt32()));
    }

    [Fact]
    public async Task PayloadOverTheLimit_IsStoredTruncated_WithItsOriginalSize()
    {
        var runId = NewRunId();
        var big = "\"" + new string('é', RunsServiceFixture.SnapshotLimit) + "\"";
        await Http.PostOkAsync(runId, Batch(Started(), StepStarted("ocr", input: big)));

        var step = await Http.GetJsonAsync($"api/runs/{runId}/steps/ocr/trace");

        Assert.True(step.GetProperty("truncated").GetBoolean());
        var original = System.Text.Encoding.UTF8.GetByteCount(big);
        Assert.Equal(original, step.GetProperty("inputSizeBytes").GetInt64());
        Assert.Equal(original, step.GetProperty("truncatedFields").GetProperty("input").GetInt64());
        var kept = step.GetProperty("inputContext").GetString()!;
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(kept) <= RunsServiceFixture.SnapshotLimit);
        Assert.DoesNotContain('\uFFFD', kept);
    }

    [Fact]
    public async Task TerminalEvent_ClosesTheRunStream_AndLaterBatchesAreRefused()
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(Started(), RunCompleted()));

        var response = await Http.GetAsync($"api/runs/{runId}/events?offset=-1", TestContext.Current.CancellationToken);
        var late = await Http.PostEventsAsync(runId, Batch(StepStarted("late")));

        Assert.Equal("true", response.Headers.GetValues("Stream-Closed").Single());
        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);
        Assert.Contains("already ended", await late.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostileIds_AreRefused()
    {
        var response = await Http.PostEventsAsync("bad\u0001id", Batch(Started()));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
