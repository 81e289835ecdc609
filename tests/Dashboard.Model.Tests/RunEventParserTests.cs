using System.Text;
using System.Text.Json;
using Dashboard.Model.Events;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;

namespace Dashboard.Model.Tests;

public sealed class RunEventParserTests
{
    private static ParsedBatch Parse(string json, EventSource source = EventSource.Engine) =>
        RunEventParser.ParseBatch(Encoding.UTF8.GetBytes(json), source);

    /// <summary>Every event type with most of its fields, out of order and escaped in places.</summary>
    private const string EveryType = """
        [
          {"type":"run_started","timestamp":"2026-11-23T09:00:00Z","workflowId":"wf","triggerType":"job","stepCount":2,"input":{"a":[1,2]}},
          {"type":"step_started","timestamp":"2026-11-23T09:00:01.5+01:00","stepId":"s","attempt":1,"loopIndex":0,"input":"x"},
          {"type":"step_completed","timestamp":"2026-11-23T09:00:02Z","stepId":"s","attempt":1,"output":null,"mappedOutput":{"k":1},"tokens":{"prompt":3,"cached":1,"completion":2},"costUsd":"0.001234","modelUsed":"m"},
          {"type":"step_failed","timestamp":"2026-11-23T09:00:03Z","stepId":"t","error":"plain message","willRetry":true},
          {"type":"step_skipped","timestamp":"2026-11-23T09:00:03Z","stepId":"u","reason":"off"},
          {"type":"run_waiting","timestamp":"2026-11-23T09:00:04Z","reason":"approval","stepId":"s"},
          {"type":"run_resumed","timestamp":"2026-11-23T09:00:05Z"},
          {"type":"log","timestamp":"2026-11-23T09:00:05Z","level":"info","message":"m","stepId":"s"},
          {"type":"run_completed","timestamp":"2026-11-23T09:00:06Z","result":{"ok":true}},
          {"type":"run_failed","timestamp":"2026-11-23T09:00:06Z","error":{"code":"E","message":"m","type":"T","stack":"at x","data":{"d":1}}},
          {"type":"run_cancelled","timestamp":"2026-11-23T09:00:06Z","reason":"r"},
          {"type":"run_timed_out","timestamp":"2026-11-23T09:00:06Z"}
        ]
        """;

    [Fact]
    public void ParseBatch_ReadsEveryEventType()
    {
        var batch = Parse(EveryType);

        Assert.True(batch.IsValid, batch.Rejection?.ToString());
        Assert.Equal(
            [typeof(RunStarted), typeof(StepStarted), typeof(StepCompleted), typeof(StepFailed), typeof(StepSkipped), typeof(RunWaiting),
             typeof(RunResumed), typeof(LogEvent), typeof(RunCompleted), typeof(RunFailed), typeof(RunCancelled), typeof(RunTimedOut)],
            batch.Events.Select(e => e.GetType()));
        var completed = (StepCompleted)batch.Events[2];
        Assert.Equal(0.001234m, completed.CostUsd);
        Assert.Equal(1, completed.Tokens!.Cached);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 8, 0, 1, 500, TimeSpan.Zero), batch.Events[1].Timestamp);
        Assert.Equal("plain message", ((StepFailed)batch.Events[3]).Error!.Message);
        var runFailed = ((RunFailed)batch.Events[9]).Error!;
        Assert.Equal(("E", "m", "T", "at x", 1), (runFailed.Code, runFailed.Message, runFailed.Type, runFailed.Stack, runFailed.Data!.Value.GetProperty("d").GetInt32()));
    }

    [Fact]
    public void TypeNeedNotComeFirst_AndUnknownFieldsAreKept()
    {
        var batch = Parse("""[{"timestamp":"2026-11-23T09:00:00Z","workflowId":"wf","engineVersion":"4.2","type":"run_started"}]""");
        Assert.True(batch.IsValid, batch.Rejection?.ToString());
        var started = Assert.IsType<RunStarted>(Assert.Single(batch.Events));
        Assert.Equal("4.2", started.Extra!["engineVersion"].GetString());

        var roundTrip = JsonSerializer.Serialize<RunEvent>(started, ModelJson.Options);
        Assert.Contains("\"engineVersion\":\"4.2\"", roundTrip, StringComparison.Ordinal);
        Assert.StartsWith("{\"type\":\"run_started\"", roundTrip, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", -1, "body")]
    [InlineData("{\"type\":\"run_started\"}", -1, "body")]
    [InlineData("[]", -1, "body")]
    [InlineData("[42]", 0, "event")]
    [InlineData("[{\"timestamp\":\"2026-11-23T09:00:00Z\"}]", 0, "type")]
    [InlineData("[{\"type\":\"run_exploded\",\"timestamp\":\"2026-11-23T09:00:00Z\"}]", 0, "type")]
    [InlineData("[{\"type\":\"log\",\"timestamp\":\"2026-11-23T09:00:00Z\",\"level\":\"info\",\"message\":\"m\"},{\"type\":\"step_started\",\"timestamp\":\"yesterday\",\"stepId\":\"s\"}]", 1, "timestamp")]
    [InlineData("[{\"type\":\"step_started\",\"timestamp\":\"2026-11-23T09:00:00\",\"stepId\":\"s\"}]", 0, "timestamp")]
    [InlineData("[{\"type\":\"step_started\",\"timestamp\":\"2026-11-23T09:00:00Z\",\"stepId\":\"s\",\"attempt\":\"one\"}]", 0, "attempt")]
    [InlineData("[{\"type\":\"step_started\",\"timestamp\":\"2026-11-23T09:00:00Z\",\"stepId\":\"s\",\"attempt\":1.5}]", 0, "attempt")]
    [InlineData("[{\"type\":\"step_completed\",\"timestamp\":\"2026-11-23T09:00:00Z\",\"stepId\":\"s\",\"costUsd\":\"1e-3\"}]", 0, "costUsd")]
    [InlineData("[{\"type\":\"step_completed\",\"timestamp\":\"2026-11-23T09:00:00Z\",\"stepId\":\"s\",\"costUsd\":\"cheap\"}]", 0, "costUsd")]
    [InlineData("[{\"type\":\"step_failed\",\"timestamp\":\"2026-11-23T09:00:00Z\",\"stepId\":\"s\",\"error\":42}]", 0, "error")]
    [InlineData("[{\"type\":\"log\",\"timestamp\":\"2026-11-23T09:00:00Z\",\"offset\":\"0001\"}]", 0, "offset")]
    [InlineData("[{\"type\":\"log\",\"timestamp\":\"2026-11-23T09:00:00Z\",\"truncated\":{\"input\":1}}]", 0, "truncated")]
    public void BadInput_IsRejectedWithIndexAndField(string json, int index, string field)
    {
        var batch = Parse(json);
        Assert.False(batch.IsValid);
        Assert.Equal(index, batch.Rejection!.Index);
        Assert.Equal(field, batch.Rejection.Field);
        Assert.DoesNotContain("System.", batch.Rejection.Message, StringComparison.Ordinal);
        Assert.Empty(batch.Events);
    }

    [Theory]
    [InlineData(EveryType)]
    [InlineData("""[{"workflowId":"w\u00e9","timestamp":"2026-11-23T09:00:00Z","type":"run_started","input":{"offset":1,"truncated":"no"},"x":[null,{}]}]""")]
    [InlineData("""[{"type":"log","timestamp":"2026-11-23T09:00:00Z","message":"<script>alert(1)</script>","level":"warn","attempt":2,"extra":{"deep":[[1.5e300]]}}]""")]
    public void ABatch_ReadsTheSameEvents_AsReadThroughADocument(string json)
    {
        // ParseBatch reads a well-formed body in one pass; the document route is the one that names faults.
        var fast = Parse(json);
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 128 });
        var viaDocument = RunEventParser.ParseBatch(document.RootElement, EventSource.Engine);

        Assert.True(fast.IsValid, fast.Rejection?.ToString());
        Assert.True(viaDocument.IsValid, viaDocument.Rejection?.ToString());
        Assert.Equal(viaDocument.Events.Select(e => JsonSerializer.Serialize(e, ModelJson.Options)), fast.Events.Select(e => JsonSerializer.Serialize(e, ModelJson.Options)));
    }

    [Theory]
    [InlineData("""[{"type":"log","timestamp":"2026-11-23T09:00:00Z","off\u0073et":"0001"}]""", "offset")]
    [InlineData("""[{"type":"log","timestamp":"2026-11-23T09:00:00Z","offset":null}]""", "offset")]
    [InlineData("""[{"type":"log","timestamp":"2026-11-23T09:00:00Z","trunc\u0061ted":{"input":1}}]""", "truncated")]
    [InlineData("""[{"type":"log","timestamp":"2026-11-23T09:00:00Z"},null]""", "event")]
    [InlineData("""[{"type":"log","timestamp":"2026-11-23T09:00:00Z"}] []""", "body")]
    public void FieldsOnlyTheServiceSets_AndOddShapes_AreRefusedHoweverWritten(string json, string field)
    {
        var batch = Parse(json);

        Assert.False(batch.IsValid);
        Assert.Equal(field, batch.Rejection!.Field);
        Assert.Empty(batch.Events);
    }

    [Fact]
    public void NestingUpToTheLimit_IsAccepted_AndOneLevelMoreIsNot()
    {
        // The batch's array and the event's object are two levels; the payload gets the rest of the 128.
        static string Nested(int levels) =>
            $$"""[{"type":"run_started","timestamp":"2026-11-23T09:00:00Z","workflowId":"w","input":{{new string('[', levels)}}{{new string(']', levels)}}}]""";

        Assert.True(Parse(Nested(126)).IsValid);
        var refused = Parse(Nested(127));
        Assert.False(refused.IsValid);
        Assert.Equal("body", refused.Rejection!.Field);
    }

    [Fact]
    public void StoredEvents_MayCarryOffsetAndTruncation()
    {
        var batch = Parse("""[{"type":"log","timestamp":"2026-11-23T09:00:00Z","level":"info","message":"m","offset":"0001","truncated":{"input":9}}]""", EventSource.Stream);
        Assert.True(batch.IsValid);
        Assert.Equal("0001", batch.Events[0].Offset);
        Assert.Equal(9, batch.Events[0].Truncated!["input"]);
    }

    [Fact]
    public void DeeplyNestedPayload_IsAClearErrorNotACrash()
    {
        var deep = new string('[', 500) + new string(']', 500);
        var batch = Parse($$"""[{"type":"run_started","timestamp":"2026-11-23T09:00:00Z","workflowId":"w","input":{{deep}}}]""");
        Assert.False(batch.IsValid);
        Assert.Equal("body", batch.Rejection!.Field);
        Assert.Contains("depth", batch.Rejection.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Money_IsWrittenAsAnExactDecimalString()
    {
        var step = new StepTrace { StepId = "s", CostUsd = 0.000000001m + 0.1m, Status = StepStatus.Completed };
        var json = JsonSerializer.Serialize(step, ModelJson.Options);
        Assert.Contains("\"costUsd\":\"0.100000001\"", json, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"completed\"", json, StringComparison.Ordinal);
        Assert.Equal(0.100000001m, JsonSerializer.Deserialize<StepTrace>(json, ModelJson.Options)!.CostUsd);
    }

    [Fact]
    public void Times_AreWrittenAsFormatWritesThem_WhateverTheFraction()
    {
        var random = new Random(20261203);
        DateTimeOffset[] samples =
        [
            DateTimeOffset.UnixEpoch, new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero), new(2026, 11, 23, 9, 0, 0, 500, TimeSpan.FromHours(-5)),
            new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.FromMinutes(330)).AddTicks(1), new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero).AddTicks(1_000_000),
            DateTimeOffset.MaxValue, DateTimeOffset.MinValue.AddHours(1),
            .. Enumerable.Range(0, 2_000).Select(_ => new DateTimeOffset(random.NextInt64(DateTime.MinValue.Ticks + TimeSpan.TicksPerDay, DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay),
                TimeSpan.FromMinutes(random.Next(-14 * 60, 14 * 60)))),
        ];

        foreach (var at in samples)
        {
            var json = JsonSerializer.Serialize(at, ModelJson.Options);
            Assert.Equal($"\"{Rfc3339DateTimeOffsetConverter.Format(at)}\"", json);
            Assert.Equal(at, JsonSerializer.Deserialize<DateTimeOffset>(json, ModelJson.Options));
        }
    }

    [Fact]
    public void Times_ReadTheSameWhicheverWayTheConverterTakes()
    {
        // The common UTC form is read by System.Text.Json's own parser; every other form the long way. Both must agree on
        // what is a time and on its value and offset, near the edges too.
        var random = new Random(20261206);
        var texts = new List<string>
        {
            "2026-11-23T10:15:00Z", "2026-11-23T10:15:00.1Z", "2026-11-23T10:15:00.1234567Z", "2026-11-23T10:15:00.12345678Z", "2026-11-23T10:15:00.Z",
            "2024-02-29T00:00:00Z", "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-11-31T00:00:00Z",
            "2026-11-23T24:00:00Z", "2026-11-23T23:60:00Z", "2026-11-23T23:59:60Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.9999999Z",
            "0000-01-01T00:00:00Z", "2026-11-23t10:15:00Z", "2026-11-23 10:15:00Z", "2026-11-23T10:15:00z", "2026-11-23T10:15:00+05:30",
            "2026-11-23T10:15:00", "2026-11-23T10:15Z", "2026-1-23T10:15:00Z", "+2026-11-23T10:15:00Z", "2026-11-23T10:15:00.1234567ZZ",
            "２０２６-11-23T10:15:00Z", "2026-11-23T10:15:0０Z",
        };
        for (var i = 0; i < 3_000; i++)
        {
            var at = new DateTimeOffset(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), TimeSpan.Zero);
            var fraction = random.Next(0, 9);
            var text = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)
                + (fraction == 0 ? "" : "." + random.NextInt64(0, 1_000_000_000).ToString("D9", System.Globalization.CultureInfo.InvariantCulture)[..fraction]) + "Z";
            texts.Add(text);
            // One character changed: most are no longer times, some still are.
            var chars = text.ToCharArray();
            chars[random.Next(chars.Length)] = "0123456789-:.TZ+ tz"[random.Next(19)];
            texts.Add(new string(chars));
        }

        foreach (var text in texts)
        {
            var expected = Rfc3339DateTimeOffsetConverter.TryParse(text, out var value);
            DateTimeOffset? read;
            try
            {
                read = JsonSerializer.Deserialize<DateTimeOffset>(JsonSerializer.Serialize(text), ModelJson.Options);
            }
            catch (JsonException)
            {
                read = null;
            }
            Assert.True(expected == read.HasValue, $"{text}: {(expected ? "a time" : "not a time")} the long way, {(read.HasValue ? "a time" : "not a time")} as read");
            if (read is { } got)
            {
                Assert.True(value.Ticks == got.Ticks && value.Offset == got.Offset, $"{text}: {value:O} the long way, {got:O} as read");
            }
        }
    }

    [Fact]
    public void Times_AreWrittenInUtc()
    {
        var summary = new RunSummary { Id = "r", FlowId = "f", Status = RunStatus.Timeout, StartedAt = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.FromHours(1)) };
        var json = JsonSerializer.Serialize(summary, ModelJson.Options);
        Assert.Contains("\"startedAt\":\"2026-11-23T09:00:00Z\"", json, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"timeout\"", json, StringComparison.Ordinal);
        Assert.Contains("\"flowId\":\"f\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void RunStatus_WireNamesMatchTheSeed()
    {
        Assert.Equal(["running", "waiting", "completed", "failed", "cancelled", "timeout"], Enum.GetValues<RunStatus>().Select(s => s.ToWire()));
        foreach (var status in Enum.GetValues<RunStatus>())
        {
            Assert.True(RunStatusExtensions.TryParse(status.ToWire(), out var parsed));
            Assert.Equal(status, parsed);
            Assert.Equal($"\"{status.ToWire()}\"", JsonSerializer.Serialize(status, ModelJson.Options));
        }
        Assert.False(RunStatusExtensions.TryParse("exploded", out _));
    }
}
