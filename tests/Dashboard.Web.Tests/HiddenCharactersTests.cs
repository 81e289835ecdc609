using System.Text.Json;
using Dashboard.Components.Controls;
using Dashboard.Model;
using Dashboard.Model.Runs;

namespace Dashboard.Web.Tests;

public sealed class HiddenCharactersTests : DashboardTestContext
{
    [Fact]
    public void Split_MarksReorderingInvisibleAndControlCharacters_InOrder()
    {
        var parts = HiddenCharacters.Split("refund \u202E1234\u202C for\u200Bkey\u001B[31m");

        Assert.Equal(
            ["refund ", "U+202E", "1234", "U+202C", " for", "U+200B", "key", "U+001B", "[31m"],
            parts.Select(p => p.Text));
        Assert.Equal([false, true, false, true, false, true, false, true, false], parts.Select(p => p.IsMarker));
        Assert.Contains("displays reversed", parts[1].Marker, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plain text")]
    [InlineData("line one\nline two\ttabbed\r\n")]
    [InlineData("שלום \u200Fעולם")] // a right-to-left mark is ordinary in Hebrew text
    [InlineData("family \U0001F468\u200D\U0001F469\u200D\U0001F467")] // zero-width joiners make one emoji
    [InlineData("")]
    public void Split_LeavesOrdinaryTextWhole(string text)
    {
        Assert.False(HiddenCharacters.Any(text));
        Assert.Equal([new TextPart(text, null)], HiddenCharacters.Split(text));
    }

    [Fact]
    public void Split_MarkerAtEitherEnd_AndTwoInARow()
    {
        Assert.Equal(["U+202E", "abc", "U+2066", "U+2069"], HiddenCharacters.Split("\u202Eabc\u2066\u2069").Select(p => p.Text));
    }

    [Fact]
    public void Split_PastTheMarkerLimit_WritesTheRestIntoTheText_StillShownAndNotObeyed()
    {
        var text = string.Concat(Enumerable.Repeat("a\u202E", HiddenCharacters.MaxMarkers + 3));

        var parts = HiddenCharacters.Split(text);

        Assert.Equal(HiddenCharacters.MaxMarkers, parts.Count(p => p.IsMarker));
        Assert.Equal("a[U+202E]a[U+202E]a[U+202E]", parts[^1].Text);
        Assert.DoesNotContain(parts, p => p.Text.Contains('\u202E', StringComparison.Ordinal));
    }

    [Fact]
    public void ErrorView_ShowsAnOverrideAsAMarker_SoTheMessageReadsAsSent()
    {
        var cut = Render<ErrorView>(p => p.Add(v => v.Error, new ErrorInfo
        {
            Code = "REFUND_FAILED",
            Message = "Refund to account \u202E4321\u202C refused",
            Stack = "at Pay()\u200B",
        }));

        var marker = cut.Find(".hidden-char");
        Assert.Equal("U+202E", marker.TextContent);
        Assert.Contains("right-to-left override", marker.GetAttribute("title"), StringComparison.Ordinal);
        Assert.Equal("Refund to account U+202E4321U+202C refused", cut.Find(".clamp-12, .break-anywhere[style]").TextContent);
        Assert.DoesNotContain('\u202E', cut.Markup);
        Assert.Equal("at Pay()U+200B", cut.Find("pre.error-stack").TextContent);
    }

    [Fact]
    public void StepHealth_TwoStepsThatLookAlike_AreToldApart()
    {
        var cut = Render<StepHealthTable>(p => p.Add(t => t.Steps,
        [
            new Dashboard.Model.Insights.StepHealth { StepId = "charge", Tokens = new(0, 0, 0) },
            new Dashboard.Model.Insights.StepHealth { StepId = "char\u200Bge", Tokens = new(0, 0, 0) },
        ]));

        Assert.Equal(["charU+200Bge", "charge"], cut.FindAll("td.name").Select(td => td.TextContent).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void FailureGroups_TwoFailingStepsThatLookAlike_AreToldApart()
    {
        Dashboard.Model.Insights.FailureGroup Group(string step) => new()
        {
            Signature = step, WorkflowId = "wf-pay", StepId = step, ErrorCode = "E_CARD", Message = "declined", Count = 1,
            FirstSeen = DateTimeOffset.UtcNow, LastSeen = DateTimeOffset.UtcNow, ExampleRunIds = ["run-1"],
        };

        var cut = Render<FailureGroupsTable>(p => p.Add(t => t.Groups, [Group("charge"), Group("char\u200Bge")]).Add(t => t.Now, DateTimeOffset.UtcNow));

        Assert.Equal(["charU+200Bge", "charge"], cut.FindAll(".step").Select(s => s.TextContent).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void JsonViewer_MarksHiddenCharactersInKeysAndValues_ButCopiesTheValueAsSent()
    {
        var value = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["user\u200Bid"] = "\u202Etxt.exe" });
        var cut = Render<JsonViewer>(p => p.Add(v => v.Title, "Input").Add(v => v.Value, value));

        Assert.Equal("userU+200Bid", cut.Find(".json-key").TextContent);
        Assert.Equal(["U+200B", "U+202E"], cut.FindAll(".hidden-char").Select(m => m.TextContent));
        Assert.Contains("\u202Etxt.exe", cut.Find(".json-value.json-string").GetAttribute("title"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run-\u200B1", "run-U+200B1")] // short: shown whole
    [InlineData("invoice-approval-20261205-\u200B0616-f498", "invoice-approval-20261205-U+200B0616-f498")] // cut: head and tail
    [InlineData("invoice-approval-20261205-0616-f4\u200B98", "invoice-approval-20261205-0616-f4U+200B98")]
    public void RunIdText_TwoRunsWhoseIdsLookAlike_AreToldApart(string escaped, string shown)
    {
        var id = System.Text.RegularExpressions.Regex.Unescape(escaped);

        var cut = Render<RunIdText>(p => p.Add(t => t.Id, id));

        Assert.Equal(shown, string.Concat(cut.Nodes.Select(n => n.TextContent)));
        Assert.Equal("U+200B", cut.Find(".hidden-char").TextContent);
    }
}
