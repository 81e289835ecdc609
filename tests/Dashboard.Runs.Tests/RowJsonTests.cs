using System.Text;
using System.Text.Json;
using Dashboard.Model.Events;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;
using Dashboard.Runs.Ingestion;
using Dashboard.Runs.Projections;
using Dashboard.Runs.Storage;

namespace Dashboard.Runs.Tests;

/// <summary>
/// What ingestion stores is written in one serialiser call per batch, and events without anything to mask or cut are passed
/// on as they came: the stored text must be exactly what one call per item wrote before.
/// </summary>
public sealed class RowJsonTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 3, 8, 0, 0, TimeSpan.Zero);

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static readonly RunEvent[] Events =
    [
        new RunStarted { Timestamp = At, WorkflowId = "wf", Input = Json("""{"a":[1,2,{"b":"<script>"}]}""") },
        new StepStarted { Timestamp = At.AddSeconds(1), StepId = "s-1", Input = Json("\"text with \\\"quotes\\\" and ]}, inside\"") },
        new StepCompleted { Timestamp = At.AddSeconds(2), StepId = "s-1", Output = Json("[]"), Tokens = new TokenBreakdown { Prompt = 3, Completion = 4 }, CostUsd = 0.25m },
        new LogEvent { Timestamp = At.AddSeconds(3), Level = "info", Message = "ünïcödé ✓ {not json" },
        new StepFailed { Timestamp = At.AddSeconds(4), StepId = "s-2", Error = new ErrorInfo { Message = "boom", Stack = "at x", Data = Json("""{"k":1}""") } },
        new RunCompleted { Timestamp = At.AddSeconds(5), Result = Json("null") },
    ];

    [Fact]
    public void EachEvent_IsStoredAsTheJsonItWouldHaveAlone()
    {
        var slices = SerializedEach.Of(Events, ModelJson.Options);

        Assert.Equal(Events.Length, slices.Count);
        for (var i = 0; i < Events.Length; i++)
        {
            Assert.Equal(JsonSerializer.Serialize<RunEvent>(Events[i], ModelJson.Options), Encoding.UTF8.GetString(slices[i].Span));
        }
        Assert.Empty(SerializedEach.Of(Array.Empty<RunEvent>(), ModelJson.Options));

        // Log lines (a dictionary of fields), and a list with a null in it, likewise.
        RunLogLine?[] lines =
        [
            new RunLogLine { Seq = 1, Timestamp = At, Level = "info", Message = "a \"quoted\" </script>", Fields = new Dictionary<string, JsonElement> { ["k"] = Json("[1,{\"x\":null}]") } },
            null,
            new RunLogLine { Seq = 2, Timestamp = At, Level = "error", StepId = "s-1", Attempt = 2, LoopIndex = 0 },
        ];
        var lineSlices = SerializedEach.Of(lines, ModelJson.Options);
        Assert.Equal(lines.Select(l => JsonSerializer.Serialize(l, ModelJson.Options)), lineSlices.Select(s => Encoding.UTF8.GetString(s.Span)));
    }

    /// <summary>
    /// The items are found by counting brackets outside strings, without reading the values: generated lists whose payloads
    /// hold brackets, commas, quotes and backslashes in strings, escapes at a string's end, spacing and nulls are cut where a
    /// JSON reader cuts them.
    /// </summary>
    [Fact]
    public void GeneratedLists_AreCutWhereAReaderCutsThem()
    {
        string[] pieces = ["]", "[", "}", "{", ",", "\\\"", "\\\\", "\\u005D", "x", "é", "😀", " ", "\\\\\\\"],"];
        var random = new Random(7);
        string Text() => "\"" + string.Concat(Enumerable.Range(0, random.Next(6)).Select(_ => pieces[random.Next(pieces.Length)])) + "\"";
        string Payload(int depth) => random.Next(depth < 3 ? 6 : 3) switch
        {
            0 => Text(),
            1 => "12.50",
            2 => "null",
            3 => "{ " + string.Join(" , ", Enumerable.Range(0, random.Next(3)).Select(_ => Text() + " : " + Payload(depth + 1))) + " }",
            _ => "[" + string.Join(",", Enumerable.Range(0, random.Next(3)).Select(_ => Payload(depth + 1))) + "]",
        };
        for (var list = 0; list < 500; list++)
        {
            var items = Enumerable.Range(0, random.Next(1, 8))
                .Select(i => random.Next(10) == 0 ? null : (RunEvent)new StepStarted { Timestamp = At, StepId = Text().Trim('"'), Input = Json(Payload(0)) })
                .ToList();
            var json = JsonSerializer.SerializeToUtf8Bytes(items, ModelJson.Options);

            var cut = SerializedEach.ItemsOf(json, items.Count);

            Assert.NotNull(cut);
            Assert.Equal(SerializedEach.ItemsByReader(json, ModelJson.Options.MaxDepth).Select(s => Encoding.UTF8.GetString(s.Span)),
                cut.Select(s => Encoding.UTF8.GetString(s.Span)));
            Assert.Equal(items.Select(e => JsonSerializer.Serialize(e, ModelJson.Options)), SerializedEach.Of(items, ModelJson.Options).Select(s => Encoding.UTF8.GetString(s.Span)));
        }
        // Not an array, or cut short: left to the reader.
        Assert.Null(SerializedEach.ItemsOf("{}"u8.ToArray(), 1));
        Assert.Null(SerializedEach.ItemsOf("[{\"a\":\"]"u8.ToArray(), 1));
        Assert.Null(SerializedEach.ItemsOf("[1,2]x"u8.ToArray(), 2));
    }

    [Fact]
    public void TheTimelineJson_IsTheAttemptWithoutItsPayloads()
    {
        var attempt = new StepTrace
        {
            StepId = "s-1", Attempt = 2, Status = StepStatus.Failed, StartedAt = At, CompletedAt = At.AddSeconds(1), DurationMs = 1000,
            InputContext = Json("""{"in":1}"""), OutputContext = Json("""{"out":2}"""), MappedOutput = Json("3"), InputSizeBytes = 8,
            ErrorContext = new ErrorInfo { Message = "boom", Code = "E", Stack = "at x", Data = Json("""{"k":1}""") }, AttemptCount = 2,
        };
        // The error's stack and data are taken out before (RunProjectionRows); the options leave out the rest.
        var errorWithoutDetail = attempt with { ErrorContext = attempt.ErrorContext with { Stack = null, Data = null } };
        var withoutPayloads = errorWithoutDetail with { InputContext = null, OutputContext = null, MappedOutput = null };

        var timeline = Encoding.UTF8.GetString(SerializedEach.Of([errorWithoutDetail], TimelineJson.Options)[0].Span);

        Assert.Equal(JsonSerializer.Serialize(withoutPayloads, ModelJson.Options), timeline);
        Assert.DoesNotContain("\"in\"", timeline, StringComparison.Ordinal);
        Assert.Contains("\"inputSizeBytes\":8", timeline, StringComparison.Ordinal);
        // The wire's own options are untouched: the whole attempt keeps its payloads.
        Assert.Contains("\"outputContext\":{\"out\":2}", JsonSerializer.Serialize(attempt, ModelJson.Options), StringComparison.Ordinal);
    }

    /// <summary>
    /// A payload's keys are checked in place, on their UTF-8 bytes, without a string made of each: generated keys (patterns
    /// cut, cased, split by '-' and '_', followed by more, non-ASCII, escaped) are masked exactly when the check on the
    /// key's string says it is secret, with the default patterns and with patterns of one's own.
    /// </summary>
    [Fact]
    public void GeneratedKeys_AreMaskedExactlyWhenTheKeyIsSecret()
    {
        string[] pieces = ["pass", "word", "Pass_Word", "pwd", "TOKEN", "tok-en", "api", "Key", "auth", "cookie", "set-", "id", "session", "x",
            "price", "é", "Ω", "_", "-", "s", "credential", "Secret", "a", "\\u0041uth", "cl", "ient_secret", " "];
        var random = new Random(11);
        foreach (var redactor in new[] { new PayloadRedactor(), new PayloadRedactor(["pin", "X-Code", "é"]) })
        {
            var masked = 0;
            for (var i = 0; i < 5_000; i++)
            {
                var key = string.Concat(Enumerable.Range(0, random.Next(1, 5)).Select(_ => pieces[random.Next(pieces.Length)]));
                var step = new StepStarted { Timestamp = At, StepId = "s", Input = Json($$"""{"outer":[{"{{key}}":"v"}]}""") };
                var name = Json($"\"{key}\"").GetString()!;

                var applied = (StepStarted)redactor.Apply(step);

                var secret = redactor.IsSecretKey(name);
                Assert.Equal(secret, !ReferenceEquals(step, applied));
                if (secret)
                {
                    masked++;
                    Assert.Equal(PayloadRedactor.Mask, applied.Input!.Value.GetProperty("outer")[0].GetProperty(name).GetString());
                }
            }
            // Both kinds are among the keys made, so that a check that masks all or none fails.
            Assert.InRange(masked, 100, 4_900);
        }
    }

    [Fact]
    public void AnEventWithNothingToMaskOrCut_IsPassedOnAsItCame()
    {
        var redactor = new PayloadRedactor();
        var truncator = new SnapshotTruncator(1024);
        foreach (var e in Events.Where(e => e is not LogEvent))
        {
            Assert.Same(e, redactor.Apply(e));
            Assert.Same(e, truncator.Apply(e));
        }

        var secret = new StepStarted { Timestamp = At, StepId = "s", Input = Json("""{"nested":[{"Api-Key":"k-1"}]}""") };
        var masked = (StepStarted)redactor.Apply(secret);
        Assert.Equal(PayloadRedactor.Mask, masked.Input!.Value.GetProperty("nested")[0].GetProperty("Api-Key").GetString());
        var big = new StepCompleted { Timestamp = At, StepId = "s", Output = Json($"\"{new string('x', 2000)}\"") };
        var cut = (StepCompleted)truncator.Apply(big);
        Assert.Equal(2002, cut.Truncated!["output"]);
    }
}
