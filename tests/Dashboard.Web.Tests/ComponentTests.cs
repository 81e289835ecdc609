using System.Text.Json;
using Dashboard.Components.Controls;
using Dashboard.Components.Pages;
using Dashboard.Model.Rollups;
using Dashboard.Model.Runs;
using Dashboard.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

public sealed class ComponentTests : DashboardTestContext
{
    [Fact]
    public void Elapsed_TicksOnItsOwn()
    {
        var cut = Render<Elapsed>(p => p.Add(e => e.Since, DateTimeOffset.UtcNow.AddSeconds(-3)));

        var first = cut.Find(".elapsed").TextContent;
        Assert.Matches(@"^\d(\.\d+)? s$", first);
        // No new parameters and no event: the component re-renders itself as time passes.
        cut.WaitForAssertion(() => Assert.NotEqual(first, cut.Find(".elapsed").TextContent), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void JsonViewer_ModeInUse_IsThePressedButton_AndNoSizePillWithoutASize()
    {
        var cut = Render<JsonViewer>(p => p
            .Add(v => v.Title, "Error data")
            .Add(v => v.Value, JsonSerializer.SerializeToElement(new { processor = "stripe" })));

        Assert.Equal("true", cut.FindAll("button").Single(b => b.TextContent == "Tree").GetAttribute("aria-pressed"));
        cut.FindAll("button").Single(b => b.TextContent == "Raw").Click();
        Assert.Equal("true", cut.FindAll("button").Single(b => b.TextContent == "Raw").GetAttribute("aria-pressed"));
        Assert.DoesNotContain("—", cut.Find(".json-toolbar").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonViewer_TheSameValueReadAgain_KeepsWhatTheReaderOpened_ANewOneStartsAtTheRoot()
    {
        static JsonElement Read(string json) => JsonDocument.Parse(json).RootElement;
        const string Json = """{"order":{"lines":[{"sku":"SKU-1"}]}}""";
        var cut = Render<JsonViewer>(p => p.Add(v => v.Title, "Input").Add(v => v.Value, Read(Json)));
        Assert.DoesNotContain("lines", cut.Find("[role=tree]").TextContent, StringComparison.Ordinal);

        cut.Find("button[aria-label='Expand two levels']").Click();
        Assert.Contains("lines", cut.Find("[role=tree]").TextContent, StringComparison.Ordinal);
        // The step's attempts fetched anew: another element, the same JSON.
        cut.Render(p => p.Add(v => v.Value, Read(Json)));
        Assert.Contains("lines", cut.Find("[role=tree]").TextContent, StringComparison.Ordinal);

        cut.Render(p => p.Add(v => v.Value, Read("""{"order":{"lines":[{"sku":"SKU-2"}]}}""")));
        Assert.DoesNotContain("lines", cut.Find("[role=tree]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonViewer_TruncatedPayload_SaysWhatWasCut_AndShowsRaw()
    {
        var kept = "{\"lines\":[{\"sku\":\"SKU-1\"},{\"sku\":\"SK";
        var cut = Render<JsonViewer>(p => p
            .Add(v => v.Title, "Output")
            .Add(v => v.Value, JsonSerializer.SerializeToElement(kept))
            .Add(v => v.IsTruncated, true)
            .Add(v => v.SizeBytes, 5_242_880));

        Assert.Contains("Truncated by the runs service", cut.Markup, StringComparison.Ordinal);
        Assert.Contains($"{kept.Length:#,0} of 5,242,880 bytes", cut.Markup, StringComparison.Ordinal);
        Assert.Equal(kept, cut.Find("pre.json-raw").TextContent);
        Assert.Empty(cut.FindAll("[role=tree]"));
    }

    [Fact]
    public void JsonViewer_Search_HighlightsMatches()
    {
        var value = JsonSerializer.SerializeToElement(new { customer = new { name = "Acme Logistics" }, total = 12 });
        var cut = Render<JsonViewer>(p => p.Add(v => v.Title, "Input").Add(v => v.Value, value).Add(v => v.SizeBytes, 60));

        cut.Find("input").Input("acme");

        cut.WaitForAssertion(() => Assert.Contains("1 match<", cut.Markup, StringComparison.Ordinal));
        var match = cut.Find(".json-match");
        Assert.Contains("Acme Logistics", match.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonViewer_HostileStrings_RenderAsText()
    {
        var value = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["<img src=x onerror=alert(1)>"] = "<script>alert('x')</script>" });
        var cut = Render<JsonViewer>(p => p.Add(v => v.Title, "Input").Add(v => v.Value, value));

        Assert.Empty(cut.FindAll(".json-tree script"));
        Assert.Empty(cut.FindAll(".json-tree img"));
        Assert.Contains("<script>alert('x')</script>", cut.Find(".json-tree").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonViewer_AModelCallsMessages_OpenAsAConversation_WithHostileTextInert_AndTheTreeAClickAway()
    {
        var value = JsonSerializer.SerializeToElement(new
        {
            model = "gpt-4o-mini",
            messages = new object[]
            {
                new { role = "system", content = "You triage tickets." },
                new { role = "user", content = "<script>alert(1)</script><img src=x onerror=alert(2)> is broken" },
            },
        });
        var cut = Render<JsonViewer>(p => p.Add(v => v.Title, "Input").Add(v => v.Value, value));

        Assert.Equal("true", cut.FindAll("button").Single(b => b.TextContent == "Messages").GetAttribute("aria-pressed"));
        var messages = cut.FindAll(".chat-message");
        Assert.Equal(["system", "user"], messages.Select(m => m.QuerySelector(".chat-role")!.TextContent));
        Assert.Equal("<script>alert(1)</script><img src=x onerror=alert(2)> is broken", messages[1].QuerySelector(".chat-text")!.TextContent);
        Assert.Empty(cut.FindAll(".chat script, .chat img"));

        cut.FindAll("button").Single(b => b.TextContent == "Tree").Click();
        Assert.Empty(cut.FindAll(".chat-message"));
        Assert.NotEmpty(cut.FindAll("[role=tree]"));
    }

    [Fact]
    public void JsonViewer_WithoutMessages_HasNoMessagesMode_AndALongConversationPages()
    {
        var plain = Render<JsonViewer>(p => p.Add(v => v.Title, "Output").Add(v => v.Value, JsonSerializer.SerializeToElement(new { label = "billing" })));
        Assert.DoesNotContain(plain.FindAll("button"), b => b.TextContent == "Messages");

        var turns = Enumerable.Range(0, 120).Select(i => new { role = i % 2 == 0 ? "user" : "assistant", content = $"turn {i}" }).ToArray();
        var cut = Render<JsonViewer>(p => p.Add(v => v.Title, "Input").Add(v => v.Value, JsonSerializer.SerializeToElement(turns)));

        Assert.Equal(50, cut.FindAll(".chat-message").Count);
        cut.FindAll("button").Single(b => b.TextContent.Contains("more of 70 messages", StringComparison.Ordinal)).Click();
        Assert.Equal(100, cut.FindAll(".chat-message").Count);
        Assert.Equal("turn 99", cut.FindAll(".chat-message")[99].QuerySelector(".chat-text")!.TextContent);

        // One message of many parts pages the same way.
        var parts = Enumerable.Range(0, 80).Select(i => new { type = "text", text = $"part {i}" }).ToArray();
        var wide = Render<JsonViewer>(p => p.Add(v => v.Title, "Input").Add(v => v.Value, JsonSerializer.SerializeToElement(new[] { new { role = "user", content = parts } })));
        Assert.Equal(50, wide.FindAll(".chat-text").Count);
        wide.FindAll("button").Single(b => b.TextContent.Contains("more of 30 parts", StringComparison.Ordinal)).Click();
        Assert.Equal("part 79", wide.FindAll(".chat-text")[79].TextContent);
    }

    [Fact]
    public void AttemptCompare_HighlightsWhatChangedBetweenAttempts()
    {
        var first = new StepTrace { StepId = "charge", Attempt = 1, InputContext = JsonSerializer.SerializeToElement(new { amount = 10, currency = "EUR" }) };
        var second = first with { Attempt = 2, InputContext = JsonSerializer.SerializeToElement(new { amount = 12, currency = "EUR" }) };

        var cut = Render<AttemptCompare>(p => p.Add(c => c.Left, first).Add(c => c.Right, second).Add(c => c.Field, "input"));

        Assert.Contains("2 changed lines", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("\"amount\": 10", cut.Find(".diff-removed").TextContent, StringComparison.Ordinal);
        Assert.Contains("\"amount\": 12", cut.Find(".diff-added").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void RollupPanel_ShowsTheModelsFigures()
    {
        var run = RollupCalculator.ForAttempts("r", 5000,
        [
            new StepTrace { StepId = "a", Attempt = 1, ModelUsed = "gpt-4o", CostUsd = 0.0012m, Tokens = new TokenBreakdown { Prompt = 1000, Cached = 400, Completion = 100, Total = 1100 } },
            new StepTrace { StepId = "a", Attempt = 2, ModelUsed = "gpt-4o", CostUsd = 0.0013m, Tokens = new TokenBreakdown { Prompt = 1000, Cached = 400, Completion = 120, Total = 1120 } },
        ]);
        var child = RollupCalculator.ForAttempts("c", 100, [new StepTrace { StepId = "x", CostUsd = 0.0001m }]);
        var family = RollupCalculator.ForFamily(run, [child]);

        var cut = Render<RollupPanel>(p => p.Add(r => r.Rollup, family));

        Assert.Equal(DisplayFormat.Money(family.Total.CostUsd), cut.Find("[data-testid=rollup-cost]").TextContent);
        Assert.Equal($"exactly {DisplayFormat.Cost(family.Total.CostUsd)}", cut.Find("[data-testid=rollup-cost]").GetAttribute("title"));
        Assert.Equal("$0.0026", cut.Find("[data-testid=rollup-cost]").TextContent);
        Assert.Equal("2,220", cut.Find("[data-testid=rollup-tokens]").TextContent);
        Assert.Contains("2,000 / 800 / 220", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("Child runs (1)", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void RollupPanel_SaysWhichStepsFailed_BesideTheirAttempts()
    {
        var run = RollupCalculator.ForAttempts("r", 3000,
        [
            new StepTrace { StepId = "fetch", Attempt = 1, Status = StepStatus.Completed, DurationMs = 900 },
            new StepTrace { StepId = "charge", Attempt = 1, Status = StepStatus.Failed, DurationMs = 500 },
            new StepTrace { StepId = "charge", Attempt = 2, Status = StepStatus.Failed, DurationMs = 600 },
        ]);

        var cut = Render<RollupPanel>(p => p.Add(r => r.Rollup, RollupCalculator.ForFamily(run, [])));

        Assert.Equal([2, 0], run.ByStep.OrderBy(s => s.StepId, StringComparer.Ordinal).Select(s => s.Failed));
        var rows = cut.FindAll("[title='Cost by step'] tbody tr").ToDictionary(r => r.Children[0].TextContent.Trim(), r => r.Children[1].TextContent.Trim());
        Assert.Equal("2 · 2 failed", rows["charge"]);
        Assert.Equal("1", rows["fetch"]);
    }

    [Fact]
    public void RollupPanel_ARunThatCalledNoModel_CountsNoTokens()
    {
        var run = RollupCalculator.ForAttempts("r", 900, [new StepTrace { StepId = "check", Attempt = 1, DurationMs = 400 }]);

        var cut = Render<RollupPanel>(p => p.Add(r => r.Rollup, RollupCalculator.ForFamily(run, [])));
        Assert.Empty(cut.FindAll(".failed-attempts"));

        Assert.Equal("—", cut.Find("[data-testid=rollup-tokens]").TextContent);
        Assert.Contains("no model calls reported", cut.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain("0 / 0 / 0", cut.Markup, StringComparison.Ordinal);
        Assert.Equal("—", cut.Find("[title='Cost by step'] tbody tr td:nth-child(3)").TextContent);
    }

    [Theory]
    [InlineData("invoice-approval-20261205-064616-f498", "invoice-approval-20261205-064", "616-f498")]
    [InlineData("workflow-run-1234\U0001F6001234567", "workflow-run-1234", "\U0001F6001234567")]
    [InlineData("short-id", null, null)]
    public void RunIdText_KeepsTheIdsEndWhole_AndReadsAsTheWholeId(string id, string? head, string? tail)
    {
        var cut = Render<RunIdText>(p => p.Add(r => r.Id, id));

        Assert.Equal(id, cut.Markup.Contains('<') ? string.Concat(cut.FindAll("span span").Select(s => s.TextContent)) : cut.Markup);
        if (head is null)
        {
            Assert.Empty(cut.FindAll(".id-tail"));
            return;
        }
        Assert.Equal(head, cut.Find(".id-head").TextContent);
        Assert.Equal(tail, cut.Find(".id-tail").TextContent);
    }

    [Fact]
    public void RollupPanel_AStepWaitingForInput_ReadsNotEnded_NotZeroTime()
    {
        var run = RollupCalculator.ForAttempts("r", null,
        [
            new StepTrace { StepId = "summarize", Attempt = 1, Status = StepStatus.Completed, DurationMs = 1650, CostUsd = 0.01m },
            new StepTrace { StepId = "legal-approval", Attempt = 1, Status = StepStatus.Running },
            new StepTrace { StepId = "fetch", Attempt = 1, Status = StepStatus.Failed, DurationMs = 2000 },
            new StepTrace { StepId = "fetch", Attempt = 2, Status = StepStatus.Running },
        ]);

        var cut = Render<RollupPanel>(p => p.Add(r => r.Rollup, RollupCalculator.ForFamily(run, [])));

        var times = cut.FindAll("[title='Cost by step'] tbody tr").ToDictionary(r => r.QuerySelector("td")!.TextContent.Trim(), r => r.QuerySelectorAll("td")[^1].TextContent);
        Assert.Equal("1.65 s", times["summarize"]);
        Assert.Equal("— (not ended)", times["legal-approval"]);
        Assert.Equal("2 s + 1 not ended", times["fetch"]);
        Assert.Equal("not ended", cut.Find("[data-testid=rollup-wall]").TextContent);
    }

    [Theory]
    [InlineData(10_000, 10)]
    [InlineData(3, 3)]
    public void RollupPanel_WhileTheRunLoads_HasTheShapeOfTheFiguresToCome_AndNoFigure(int steps, int stepRows)
    {
        var cut = Render<RollupPanel>(p => p.Add(r => r.Rollup, null).Add(r => r.StepCount, steps));

        var panel = cut.Find("[aria-label='Cost and tokens']");
        Assert.Equal("true", panel.GetAttribute("aria-busy"));
        Assert.Empty(cut.FindAll("[data-testid=rollup-cost]"));
        Assert.Contains("Total cost", panel.TextContent, StringComparison.Ordinal);
        // As many rows as the panel will list (the ten costliest steps at most), so the timeline below stays where it is.
        Assert.Equal(stepRows, cut.FindAll("[title='Cost by step'] tbody tr").Count);
    }

    [Fact]
    public void Executions_StatusChip_PutsTheFilterInTheUrl_AndNextPageTheCursor()
    {
        RunsClient.Returns(new RunsPage
        {
            Items = [new RunRecord { Id = "r1", WorkflowId = "wf", Status = RunStatus.Failed }],
            NextCursor = "cursor-2",
            StatusCounts = new Dictionary<string, int> { ["failed"] = 7, ["completed"] = 3 },
        });
        var navigation = Services.GetRequiredService<NavigationManager>();

        var cut = Render<Executions>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody tr")));
        cut.FindAll("[aria-label=Status] .mud-chip").Single(c => c.TextContent.Contains("failed", StringComparison.Ordinal)).Click();

        // The chip set reports its selection through an event callback: the URL follows once it has run.
        cut.WaitForAssertion(() => Assert.EndsWith("?status=failed", navigation.Uri, StringComparison.Ordinal));
        cut.WaitForAssertion(() => Assert.Equal([RunStatus.Failed], RunsClient.Queries[^1].Statuses));
        Assert.Contains("7", cut.FindAll("[aria-label=Status] .mud-chip").Single(c => c.TextContent.Contains("failed", StringComparison.Ordinal)).TextContent, StringComparison.Ordinal);

        cut.FindAll("button").Single(b => b.TextContent.Contains("Next page", StringComparison.Ordinal)).Click();
        cut.WaitForAssertion(() => Assert.Contains("cursor=cursor-2", navigation.Uri, StringComparison.Ordinal));
        cut.WaitForAssertion(() => Assert.Equal("cursor-2", RunsClient.Queries[^1].Cursor));
    }
}
