using System.Text.Json;
using Dashboard.Model;
using Dashboard.Model.Runs;

namespace Dashboard.Web.Tests;

public sealed class ViewLogicTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private static StepTrace Attempt(string id, int attempt, StepStatus status, int startS, int endS, int? loop = null, string? name = null) => new()
    {
        StepId = id, Attempt = attempt, Status = status, LoopIndex = loop, StepName = name,
        StartedAt = T0.AddSeconds(startS), CompletedAt = status == StepStatus.Running ? null : T0.AddSeconds(endS),
        DurationMs = status == StepStatus.Running ? null : (endS - startS) * 1000,
    };

    private static RunSummary Run => new() { Id = "r", FlowId = "wf", StartedAt = T0, DurationMs = 60_000, Status = RunStatus.Completed };

    [Fact]
    public void Timeline_DrawsRetriesOnOneRow_AndFoldsLoops()
    {
        IReadOnlyList<StepTrace> attempts =
        [
            Attempt("charge", 1, StepStatus.Failed, 0, 5), Attempt("charge", 2, StepStatus.Completed, 6, 10),
            Attempt("item", 1, StepStatus.Completed, 10, 12, loop: 0), Attempt("item", 1, StepStatus.Failed, 12, 14, loop: 1),
            Attempt("done", 1, StepStatus.Completed, 15, 16),
        ];

        var folded = TimelineBuilder.Build(Run, attempts, T0.AddMinutes(5), new HashSet<string>(), new TimelineFilter());
        var unfolded = TimelineBuilder.Build(Run, attempts, T0.AddMinutes(5), new HashSet<string> { "item" }, new TimelineFilter());

        Assert.Equal([TimelineRowKind.Step, TimelineRowKind.LoopGroup, TimelineRowKind.Step], folded.Select(r => r.Kind));
        var charge = folded[0];
        Assert.Equal(2, charge.AttemptCount);
        Assert.Equal([(0d, 5000d), (6000d, 10000d)], charge.Bars.Select(b => (b.StartMs, b.EndMs)));
        var loop = folded[1];
        Assert.Equal((2, 1, StepStatus.Failed), (loop.Iterations, loop.FailedIterations, loop.Status));
        Assert.Equal(["charge", "item", "item", "item", "done"], unfolded.Select(r => r.StepId));
        Assert.Equal([null, null, 0, 1, null], unfolded.Select(r => r.LoopIndex));
    }

    [Fact]
    public void Timeline_FilterFailedOnly_KeepsStepsWithAFailedAttempt()
    {
        IReadOnlyList<StepTrace> attempts = [Attempt("ok", 1, StepStatus.Completed, 0, 1), Attempt("flaky", 1, StepStatus.Failed, 1, 2), Attempt("flaky", 2, StepStatus.Completed, 2, 3)];

        var rows = TimelineBuilder.Build(Run, attempts, T0, new HashSet<string>(), new TimelineFilter(FailedOnly: true));

        Assert.Equal(["flaky"], rows.Select(r => r.StepId));
    }

    [Fact]
    public void Timeline_RunningAttemptGrowsUntilNow()
    {
        var running = new RunSummary { Id = "r", FlowId = "wf", StartedAt = T0, Status = RunStatus.Running };
        var rows = TimelineBuilder.Build(running, [Attempt("long", 1, StepStatus.Running, 10, 0)], T0.AddSeconds(30), new HashSet<string>(), new TimelineFilter());

        var bar = Assert.Single(rows[0].Bars);
        Assert.True(bar.Open);
        Assert.Equal(30_000, bar.EndMs);
        Assert.Equal(30_000, TimelineBuilder.AxisMs(running, rows, T0.AddSeconds(30), T0));
    }

    [Fact]
    public void Timeline_AStepThatSaysItStartedBeforeItsRun_IsOnTheAxis()
    {
        // A worker whose clock runs 2 s behind the orchestrator's reports its step as started before the run.
        IReadOnlyList<StepTrace> attempts = [Attempt("early", 1, StepStatus.Completed, -2, 1), Attempt("next", 1, StepStatus.Completed, 1, 5)];
        var origin = TimelineBuilder.Origin(Run, attempts, T0.AddMinutes(5));

        var rows = TimelineBuilder.Build(Run, attempts, T0.AddMinutes(5), new HashSet<string>(), new TimelineFilter());

        Assert.Equal(T0.AddSeconds(-2), origin);
        Assert.Equal([(0d, 3_000d), (3_000d, 7_000d)], rows.Select(r => (r.Bars[0].StartMs, r.Bars[0].EndMs)));
        // The axis reaches the run's own end, 60 s after its start.
        Assert.Equal(62_000, TimelineBuilder.AxisMs(Run, rows, T0.AddMinutes(5), origin));
    }

    [Fact]
    public void JsonViewer_OpensLazily_PagesLongArrays_AndSearchOpensTheWayToMatches()
    {
        var document = JsonSerializer.SerializeToElement(new
        {
            customer = new { name = "Acme", address = new { city = "Lyon" } },
            lines = Enumerable.Range(0, 450).Select(i => new { sku = $"SKU-{i}" }).ToArray(),
        });
        var state = new JsonViewerState(JsonPayload.Of(document));

        Assert.Equal(["$", "$.customer", "$.lines"], state.Rows.Select(r => r.Node?.Path));
        state.Toggle("$.lines");
        Assert.Equal(JsonViewerState.PageSize + 4, state.Rows.Count);
        Assert.Equal(250, state.Rows[^1].Hidden);

        state.Search("sku-420");
        Assert.Equal(1, state.MatchCount);
        Assert.True(state.IsMatch("$.lines[420].sku"));
        Assert.Contains(state.Rows, r => r.Node?.Path == "$.lines[420].sku");

        // Between the first page and the match, the skipped items are one folded line.
        Assert.Contains(state.Rows, r => r.WithoutMatch && r.Hidden == 220 && r.CanShowMore);

        state.Search("lyon");
        Assert.True(state.IsOpen("$.customer.address"));
    }

    [Fact]
    public void JsonViewer_SearchInAFiveMegabytePayload_FindsEveryMatch_AndListsOnlyWhatLeadsToThem()
    {
        // The shape of the benchmark's big output: ~57,000 records, "needle" in every thousandth.
        var json = new System.Text.StringBuilder("{\"records\":[");
        var count = 0;
        for (; json.Length < 5 * 1024 * 1024; count++)
        {
            json.Append(count == 0 ? "" : ",").Append(System.Globalization.CultureInfo.InvariantCulture,
                $"{{\"id\":{count},\"name\":\"record {count}\",\"note\":\"{(count % 1000 == 7 ? "needle" : "hay")} lorem ipsum\"}}");
        }
        using var document = JsonDocument.Parse(json.Append("]}").ToString());
        var state = new JsonViewerState(JsonPayload.Of(document.RootElement));

        state.Search("needle");
        var rows = state.Rows;

        var needles = Enumerable.Range(0, count).Where(i => i % 1000 == 7).ToList();
        Assert.Equal(needles.Count, state.MatchCount);
        Assert.Contains(rows, r => r.Node?.Path == $"$.records[{needles[^1]}].note");
        Assert.Contains(rows, r => r.WithoutMatch && r.Hidden == 999);
        // The way to each match is open, but the thousands of records between matches stay folded behind "show more"
        // lines, so the virtualised list stays a few hundred rows, not the whole array.
        Assert.True(rows.Count < 5_000, $"{rows.Count} rows listed");
        // And the circuit holds nodes only for what is listed: one per record would be 57,000 nodes (about 9 MB).
        var records = (JsonArrayChildren)state.Root.Children[0].Children;
        Assert.Equal(count, records.Count);
        Assert.True(records.MadeCount <= JsonViewerState.PageSize + needles.Count, $"{records.MadeCount} nodes made");
    }

    [Fact]
    public void JsonViewer_ReadsThePayloadsText_EscapesNestingAndSpacingAsWritten()
    {
        // Spaced as an engine might send it, with escapes, non-ASCII text, arrays in arrays and every kind of value.
        var payload = JsonPayload.Parse("""
            {
              "say": "line one\nline \"two\" \u00e9t\u00e9",
              "grid" : [ [1, 2.50, -3e2], [], [ { "k\u0065y": null } ] ],
              "flags": [true, false],
              "städte": { "zürich": "Zürich" },
              "tricky" : [ "a,b]" , "q\"}", "back\\", {"x,y": "{["} ]
            }
            """);
        var state = new JsonViewerState(payload);
        var root = state.Root;

        Assert.Equal("{ 5 keys }", root.Display);
        Assert.Equal(["say", "grid", "flags", "städte", "tricky"], root.Children.Select(c => c.Name));
        // Commas, brackets and escaped quotes inside strings are text, not structure.
        var tricky = root.Children[4];
        Assert.Equal("[ 4 items ]", tricky.Display);
        Assert.Equal(["a,b]", "q\"}", "back\\", "{ 1 key }"], tricky.Children.Select(c => c.Display));
        Assert.Equal(("x,y", "{["), (tricky.Children[3].Children[0].Name, tricky.Children[3].Children[0].Display));
        Assert.Equal("line one\nline \"two\" été", root.Children[0].Display);
        var grid = root.Children[1];
        Assert.Equal("[ 3 items ]", grid.Display);
        Assert.Equal(["1", "2.50", "-3e2"], grid.Children[0].Children.Select(c => c.Display));
        Assert.Equal("[ 0 items ]", grid.Children[1].Display);
        Assert.Equal("$.grid[2][0].key", grid.Children[2].Children[0].Children[0].Path);
        Assert.Equal(JsonValueKind.Null, grid.Children[2].Children[0].Children[0].Kind);
        Assert.Equal(["true", "false"], root.Children[2].Children.Select(c => c.Display));
        Assert.Equal("""{ "zürich": "Zürich" }""", root.Children[3].Json(indented: false));
        Assert.Equal("{\n  \"zürich\": \"Zürich\"\n}", root.Children[3].Json().ReplaceLineEndings("\n"));

        // Keys and values, escaped or not, numbers as written; a key and its value matching count once.
        Assert.Equal(["$.say"], JsonSearch.Find(payload.Root, "\"TWO\"").Paths);
        Assert.Equal(["$.say"], JsonSearch.Find(payload.Root, "été").Paths);
        Assert.Equal(["$.grid[2][0].key"], JsonSearch.Find(payload.Root, "key").Paths);
        Assert.Equal(["$.grid[0][1]"], JsonSearch.Find(payload.Root, "2.5").Paths);
        Assert.Equal(["$.städte.zürich"], JsonSearch.Find(payload.Root, "ZÜRICH").Paths);
        Assert.Equal(["$.flags[1]"], JsonSearch.Find(payload.Root, "fals").Paths);
        var capped = JsonSearch.Find(payload.Root, "e", max: 2);
        Assert.Equal(2, capped.Paths.Count);
        Assert.True(capped.More);

        // A bare value is its own root; the text kept is the value's, not the spacing around it.
        var bare = JsonPayload.Parse("  \"needle in hay\"  ");
        Assert.Equal(["$"], JsonSearch.Find(bare.Root, "needle").Paths);
        Assert.Equal("\"needle in hay\"", bare.Root.Text);
    }

    [Fact]
    public void StepAttempt_KeepsTheRecordWithoutItsPayloads_AndThePayloadsAsTheirText()
    {
        using var read = JsonDocument.Parse("""{"input":{"q":"été"},"output":[1,{"a":"<script>"}]}""");
        var trace = Attempt("s", 2, StepStatus.Completed, 0, 1) with
        {
            InputContext = read.RootElement.GetProperty("input"),
            OutputContext = read.RootElement.GetProperty("output"),
        };

        var kept = StepAttempt.Of(trace);

        // Nothing of the document the client read is kept: the panel's record has no payload elements.
        Assert.Null(kept.Trace.InputContext);
        Assert.Null(kept.Trace.OutputContext);
        Assert.Equal(2, kept.Attempt);
        Assert.Equal("""{"q":"été"}""", kept.Input!.Root.Text);
        Assert.Equal("""[1,{"a":"<script>"}]""", kept.Output!.Root.Text);
        Assert.Null(kept.MappedOutput);
        Assert.Equal(JsonSerializer.Serialize(trace.OutputContext, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }),
            kept.Text("output"));
        Assert.Null(kept.Text("mapped"));
    }

    [Fact]
    public void LineDiff_MarksChangedLines()
    {
        var diff = LineDiff.Compare("{\n  \"code\": \"A\",\n  \"type\": \"T\"\n}", "{\n  \"code\": \"B\",\n  \"type\": \"T\"\n}");

        Assert.Equal(2, diff.Changes);
        Assert.Equal([DiffKind.Same, DiffKind.Removed, DiffKind.Added, DiffKind.Same, DiffKind.Same], diff.Lines.Select(l => l.Kind));
        Assert.Equal(0, LineDiff.Compare("same", "same").Changes);
    }

    [Fact]
    public void StepsCsv_QuotesAndNeutralisesFormulas()
    {
        var csv = StepsCsv.Write([new StepTrace
        {
            StepId = "=HYPERLINK(\"http://evil\")", StepName = "a,b \"c\"", Attempt = 1, Status = StepStatus.Failed,
            CostUsd = 0.000001m, ErrorContext = new ErrorInfo { Message = "line1\nline2" },
        }]);
        var row = csv.Split("\r\n")[1];

        // Marked as UTF-8, for Excel to read names and messages in any script as they are.
        Assert.StartsWith("\uFEFFstepId,stepName,", csv, StringComparison.Ordinal);
        Assert.StartsWith("\"'=HYPERLINK(\"\"http://evil\"\")\"", row, StringComparison.Ordinal);
        Assert.Contains("\"a,b \"\"c\"\"\"", row, StringComparison.Ordinal);
        Assert.Contains("\"0.000001\"", row, StringComparison.Ordinal);
        Assert.Contains("\"line1\nline2\"", row, StringComparison.Ordinal);
    }

    [Fact]
    public void ExecutionsFilter_RoundTripsThroughTheUrl_AndIgnoresGarbage()
    {
        var filter = ExecutionsFilter.FromUrl("failed,timeout,bogus", "wf-1", null, null, "run-9", " oops ", "24h", 100, "asc", "c1");

        Assert.Equal([RunStatus.Failed, RunStatus.Timeout], filter.Statuses);
        Assert.Equal(("wf-1", "run-9", "oops", "24h", 100, true), (filter.Workflow, filter.Parent, filter.Text, filter.Range, filter.PageSize, filter.OldestFirst));
        var url = filter.ToUrl();
        Assert.Equal("failed,timeout", url["status"]);
        Assert.Equal(100, url["size"]);
        var query = filter.ToQuery(T0);
        Assert.Equal(T0.AddHours(-24), query.From);
        Assert.True(query.Ascending);
        Assert.Equal(50, ExecutionsFilter.FromUrl(null, null, null, null, null, null, "forever", 7, null, null).PageSize);
        Assert.Null(filter.Toggle(RunStatus.Failed).Cursor);
        // A failure group's runs (the overview's "All"): kept in the URL and asked of the service; clearing it is a filter's clearing.
        var group = ExecutionsFilter.FromUrl("failed,timeout", "wf-1", null, null, null, null, null, null, null, null, failure: " 76e6907790c4cae4 ");
        Assert.Equal("76e6907790c4cae4", group.ToUrl()["failure"]);
        Assert.Equal("76e6907790c4cae4", group.ToQuery(T0).FailureSignature);
        Assert.True((group with { Statuses = [], Workflow = null }).IsFiltered);
        Assert.Null(filter.ToUrl()["failure"]);
    }

    [Fact]
    public void TimeDisplay_ShowsUtcOrTheBrowsersZone()
    {
        var time = new TimeDisplay();
        Assert.Equal("2026-11-23 09:00:00.000 UTC", time.Format(T0));
        time.Set(useUtc: false, "Asia/Tokyo");
        Assert.Equal("2026-11-23 18:00:00.000 +09:00", time.Format(T0));
    }

    [Fact]
    public void ListTail_IsTheListFromAnIndexOn_AndSkipTakeIndexIntoIt()
    {
        var rows = Enumerable.Range(0, 100).ToList();
        var tail = new Dashboard.Components.Controls.ListTail<int>(rows, 40);

        Assert.Equal(60, tail.Count);
        Assert.Equal(40, tail[0]);
        Assert.Equal(99, tail[59]);
        Assert.Throws<ArgumentOutOfRangeException>(() => tail[60]);
        Assert.Equal([70, 71, 72], tail.Skip(30).Take(3));
        Assert.Equal(Enumerable.Range(40, 60), tail);
        Assert.Empty(new Dashboard.Components.Controls.ListTail<int>(rows.Take(10).ToList(), 40));
    }

    [Fact]
    public void AResume_IsSeededWithWhatTheWaitingStepWasGiven_ItsTextAsWritten()
    {
        var view = new RunActionsView();

        view.Confirm(Dashboard.Model.Control.ControlActions.Resume, seed: JsonSerializer.SerializeToElement(new { approver = "Zoë", note = "<ok>" }));

        Assert.Equal("{\n  \"approver\": \"Zoë\",\n  \"note\": \"<ok>\"\n}", view.InputJson.ReplaceLineEndings("\n"));
    }
}
