using System.Text.Json.Nodes;
using Dashboard.Runs.Access;
using Dashboard.Runs.Otlp;
using Dashboard.Runs.Otlp.Wire;

namespace Dashboard.Runs.Tests;

/// <summary>Where OTLP log records go, and how long and how many of them wait for their spans.</summary>
public sealed class OtlpLogHoldTests
{
    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }

    private static readonly DateTimeOffset Start = new(2026, 12, 3, 20, 0, 0, TimeSpan.Zero);

    private static OtlpLogRecord Record(string trace, string? span = null, string message = "m", int second = 0) =>
        new(trace, span, null, Start.AddSeconds(second), "info", message, new Dictionary<string, JsonNode?>(), $"otel:log:{trace}:{message}");

    private static Caller Key(string name) => new(name, new HashSet<string> { Caller.IngestScope }, null);

    [Fact]
    public async Task AWaitForSpansRecords_EndsWhenEachHasOne_OrWhenItsTimeIsUp()
    {
        var hold = new OtlpLogHold(TimeProvider.System, TimeSpan.FromSeconds(60));
        static bool Wanted(OtlpLogRecord r) => r.Message != "other";
        var waiting = hold.WaitForAsync("t1", ["s1", "s2"], Wanted, TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken);

        hold.Add([Record("t1", "s1"), Record("t2", "s2"), Record("t1", "s2", message: "other")], Key("engine"));
        Assert.False(waiting.IsCompleted);
        hold.Add([Record("t1", "s2", message: "wanted")], Key("engine"));

        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        // One span's record never comes: the wait gives up after its time.
        Assert.False(await hold.WaitForAsync("t1", ["s1", "s3"], Wanted, TimeSpan.FromMilliseconds(50), TestContext.Current.CancellationToken));
    }

    [Fact]
    public void RecordsWait_UntilTheirTraceIsTaken_ByTheKeyThatSentThem()
    {
        var hold = new OtlpLogHold(new ManualTime(Start), TimeSpan.FromSeconds(60));
        hold.Add([Record("t1", message: "a"), Record("t2", message: "b")], Key("engine"));
        hold.Add([Record("t1", message: "c")], Key("other"));

        Assert.Empty(hold.Take("t1", Key("nobody")));
        Assert.Equal(["a"], hold.Take("t1", Key("engine")).Select(w => w.Record.Message));
        Assert.Empty(hold.Take("t1", Key("engine")));
        Assert.Equal(2, hold.Count);
        Assert.Equal(["c"], hold.Take("t1", Key("other")).Select(w => w.Record.Message));
    }

    [Fact]
    public void TheSpansRecordsWaitFor_AreListedOnce_OldestTraceFirst_AndThoseFoundAreTakenAlone()
    {
        var hold = new OtlpLogHold(new ManualTime(Start), TimeSpan.FromSeconds(60));
        hold.Add([Record("t1", "s1", "a"), Record("t1", "s1", "b"), Record("t1", "s2", "c"), Record("t1", null, "no span")], Key("engine"));
        hold.Add([Record("t2", "s3", "d")], Key("engine"));

        // What another instance's stored spans are looked up for (a record with no span waits for none).
        Assert.Equal([("t1", "s1"), ("t1", "s2"), ("t2", "s3")], hold.WaitingSpans(max: 10));
        Assert.Equal([("t1", "s1"), ("t1", "s2")], hold.WaitingSpans(max: 2));

        // s1 was found: its records go, the trace's others wait on.
        Assert.Equal(["a", "b"], hold.TakeWhere("t1", w => w.Record.SpanId == "s1").Select(w => w.Record.Message));
        Assert.Equal(3, hold.Count);
        Assert.Equal([("t1", "s2"), ("t2", "s3")], hold.WaitingSpans(max: 10));
    }

    [Fact]
    public void RecordsThatWaitedTheirTime_AreReleased_KeepingWhenTheyBeganToWait()
    {
        var time = new ManualTime(Start);
        var hold = new OtlpLogHold(time, TimeSpan.FromSeconds(60));
        hold.Add([Record("t1", message: "old")], Key("engine"));
        time.Advance(TimeSpan.FromSeconds(40));
        hold.Add([Record("t1", message: "new")], Key("engine"));
        // Taken by a trace export and given back (its span was not in it): it keeps its first time.
        hold.Return(hold.Take("t1", Key("engine")));

        time.Advance(TimeSpan.FromSeconds(25));
        var first = hold.TakeExpired();
        time.Advance(TimeSpan.FromSeconds(40));
        var second = hold.TakeExpired();

        Assert.Equal(["old"], Assert.Single(first).Select(w => w.Record.Message));
        Assert.Equal(["new"], Assert.Single(second).Select(w => w.Record.Message));
        Assert.Equal(0, hold.Count);
    }

    [Fact]
    public void PastItsBound_TheOldestTracesAreLetGo_AndCounted()
    {
        var hold = new OtlpLogHold(new ManualTime(Start), TimeSpan.FromSeconds(60), maxRecords: 3);
        hold.Add([Record("t1", message: "a"), Record("t1", message: "b")], Key("engine"));
        hold.Add([Record("t2", message: "c"), Record("t2", message: "d")], Key("engine"));

        Assert.Equal(2, hold.TakeEvictedCount());
        Assert.Equal(0, hold.TakeEvictedCount());
        Assert.Empty(hold.Take("t1", Key("engine")));
        Assert.Equal(2, hold.Take("t2", Key("engine")).Count);
    }

    [Fact]
    public void AHoldOfAFewBytes_KeepsNothing()
    {
        var hold = new OtlpLogHold(new ManualTime(Start), TimeSpan.FromSeconds(60), maxBytes: 100);
        hold.Add([Record("t1", message: new string('x', 1000))], Key("engine"));

        Assert.Equal(0, hold.Count);
        Assert.Equal(1, hold.TakeEvictedCount());
    }

    [Fact]
    public void Placement_PutsEachRecordOnItsStep_OrTheRun_OrLetsItWait()
    {
        var steps = new Dictionary<string, OtlpTraceIndex.SpanStep> { ["s-fetch"] = new("run-1", "fetch", 2, 3) };
        var records = new[]
        {
            Record("t1", "s-unknown", "waits", 3),
            Record("t1", "s-fetch", "step", 2),
            Record("t1", "s-root", "run", 1),
            Record("t1", null, "no span", 0),
        };

        var (events, waiting) = OtlpLogPlacement.Place(records, (_, span) => steps.GetValueOrDefault(span), new HashSet<string> { "s-root" }, placeAll: false);
        var (all, none) = OtlpLogPlacement.Place(records, (_, span) => steps.GetValueOrDefault(span), new HashSet<string> { "s-root" }, placeAll: true);

        // In the order they happened.
        Assert.Equal(["no span", "run", "step"], events.Select(e => e.Message));
        Assert.Equal(("fetch", 2, 3), (events[2].StepId, events[2].Attempt, events[2].LoopIndex));
        Assert.Null(events[0].StepId);
        Assert.Equal(["waits"], waiting.Select(r => r.Message));
        Assert.Equal(["no span", "run", "step", "waits"], all.Select(e => e.Message));
        Assert.Empty(none);
        Assert.Null(all[3].StepId);
        Assert.Equal("s-unknown", all[3].Extra!["otel.spanId"].GetString());
    }

    [Theory]
    [InlineData(1, "", "debug")]
    [InlineData(8, "", "debug")]
    [InlineData(9, "", "info")]
    [InlineData(14, "", "warn")]
    [InlineData(17, "", "error")]
    [InlineData(24, "", "error")]
    [InlineData(0, "Warning", "warn")]
    [InlineData(0, "CRITICAL", "error")]
    [InlineData(0, "notice", "info")]
    [InlineData(0, "", "info")]
    public void Severities_AreTheFourLevels(int number, string text, string level) =>
        Assert.Equal(level, OtlpLogRecord.LevelOf((SeverityNumber)number, text));

    [Theory]
    [InlineData("retrying {Url} after {Delay:N0} ms", "retrying https://x.example after 250 ms")]
    [InlineData("{@Order} for {Missing}", "{\"id\":7} for {Missing}")]
    [InlineData("{@Note}", "{\"to\":\"<ops> & café\"}")]
    [InlineData("literal {{Url}} and }} and {", "literal {Url} and } and {")]
    [InlineData("no holes", "no holes")]
    public void AMessageTemplate_IsWrittenOutWithItsValues(string template, string expected)
    {
        var values = new Dictionary<string, JsonNode?> { ["Url"] = "https://x.example", ["Delay"] = 250, ["Order"] = new JsonObject { ["id"] = 7 },
            ["Note"] = new JsonObject { ["to"] = "<ops> & café" } };

        Assert.Equal(expected, MessageTemplate.Render(template, values));
    }

    [Fact]
    public void ARecordParkedWhenTheServiceStops_ComesBackAsItWaited_WithItsKeysRights()
    {
        var hold = new OtlpLogHold(TimeProvider.System, TimeSpan.FromSeconds(60));
        var record = new OtlpLogRecord("t1", null, "run-7", Start.AddMilliseconds(1.5), "warn", "<b>tool</b> said \u0000 no",
            new Dictionary<string, JsonNode?> { ["gen_ai.tool.name"] = "search", ["attempt"] = 2, ["nested"] = JsonNode.Parse("""{"a":[1,null,"x"]}"""), ["none"] = null },
            "otel:log:abc")
        {
            EventName = "gen_ai.choice",
            Body = JsonNode.Parse("""{"message":{"role":"assistant","content":"hi"}}"""),
            ServiceName = "agent",
        };
        var scoped = new Caller("portal", new HashSet<string> { Caller.IngestScope, Caller.ReadScope }, new HashSet<string> { "triage" });
        hold.Add([record, Record("t2", "s2")], scoped);

        var all = hold.TakeAll();
        Assert.Equal(0, hold.Count);
        Assert.Equal(["t1", "t2"], all.Select(w => w.Record.TraceId));

        var (caller, json) = OtlpParkedLogs.ToJson(all[0]);
        var back = OtlpParkedLogs.FromJson(caller, json, all[0].Since.ToUnixTimeMilliseconds());

        Assert.Equal((record.TraceId, record.SpanId, record.NamedRunId, record.At, record.Level, record.Message, record.EventId),
            (back.Record.TraceId, back.Record.SpanId, back.Record.NamedRunId, back.Record.At, back.Record.Level, back.Record.Message, back.Record.EventId));
        Assert.Equal((record.EventName, record.ServiceName, record.Body!.ToJsonString()), (back.Record.EventName, back.Record.ServiceName, back.Record.Body!.ToJsonString()));
        Assert.Equal(record.Attributes.Keys.Order(), back.Record.Attributes.Keys.Order());
        Assert.True(record.Attributes.All(a => JsonNode.DeepEquals(a.Value, back.Record.Attributes[a.Key])));
        // What the record becomes is the same event, so a line placed once before the stop is stored once.
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(record.ToEvent(null)), System.Text.Json.JsonSerializer.Serialize(back.Record.ToEvent(null)));
        Assert.Equal(("portal", true, true, false), (back.Caller.Name, back.Caller.Can(Caller.IngestScope), back.Caller.Sees("triage"), back.Caller.Sees("billing")));
        Assert.Equal(all[0].Since.ToUnixTimeMilliseconds(), back.Since.ToUnixTimeMilliseconds());
    }
}
