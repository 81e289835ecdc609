using Dashboard.Components.Controls;
using Microsoft.Extensions.Time.Testing;

namespace Dashboard.Web.Tests;

/// <summary>
/// The text box of every filter and search: text typed or pasted is reported once typing pauses, and a render of the page
/// around it (a live list, a feed) never takes it away. Time is a fake clock, moved by the tests.
/// </summary>
public sealed class DebouncedTextFieldTests : DashboardTestContext
{
    private readonly FakeTimeProvider _time;
    private readonly List<string?> _reported = [];

    public DebouncedTextFieldTests()
        : this(new FakeTimeProvider())
    {
    }

    private DebouncedTextFieldTests(FakeTimeProvider time)
        : base(time: time) => _time = time;

    private IRenderedComponent<DebouncedTextField> RenderField(string? value = null) =>
        Render<DebouncedTextField>(p => p
            .Add(f => f.Value, value)
            .Add(f => f.ValueChanged, text => _reported.Add(text))
            .Add(f => f.PauseMs, 300)
            .AddUnmatched("aria-label", "Search"));

    private static string? Shown(IRenderedComponent<DebouncedTextField> cut) => cut.Find("input[aria-label='Search']").GetAttribute("value");

    [Fact]
    public void TypedText_IsReportedOnce_WhenTypingPauses()
    {
        var cut = RenderField();

        cut.Find("input").Input("ord");
        _time.Advance(TimeSpan.FromMilliseconds(200));
        cut.Find("input").Input("ord-1");
        _time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Empty(_reported);

        _time.Advance(TimeSpan.FromMilliseconds(100));
        cut.WaitForAssertion(() => Assert.Equal(["ord-1"], _reported));
        Assert.Equal("ord-1", Shown(cut));
    }

    [Fact]
    public void Enter_ReportsTheTextAtOnce_AndOnlyOnce()
    {
        var cut = RenderField();

        cut.Find("input").Input("ord-1");
        cut.Find("input").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Enter" });
        Assert.Equal(["ord-1"], _reported);

        // The pause of the last key ends with nothing left to report; Enter again asks for nothing new either.
        _time.Advance(TimeSpan.FromSeconds(1));
        cut.Find("input").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Enter" });
        Assert.Equal(["ord-1"], _reported);
    }

    [Fact]
    public void ThePageRenderingWhileTyping_KeepsTheText()
    {
        var cut = RenderField();

        cut.Find("input").Input("pasted");
        // A live list reloads: the page renders the field with the value it has held all along.
        cut.Render(p => p.Add(f => f.Value, null));

        Assert.Equal("pasted", Shown(cut));
        _time.Advance(TimeSpan.FromMilliseconds(300));
        cut.WaitForAssertion(() => Assert.Equal(["pasted"], _reported));
        Assert.Equal("pasted", Shown(cut));
    }

    [Fact]
    public async Task ThePageRenderingJustAsThePauseEnds_DoesNotLoseText()
    {
        // The case MudBlazor's own debounce loses: the pause ends while the circuit is busy rendering the page, so its
        // update is queued behind a render that hands the field the page's old value (and no key was pressed: pasted).
        var cut = RenderField();
        cut.Find("input").Input("pasted");
        using var rendering = new ManualResetEventSlim();
        using var pauseEnded = new ManualResetEventSlim();
        var pageRender = Task.Run(() => cut.InvokeAsync(() =>
        {
            rendering.Set();
            pauseEnded.Wait(Xunit.TestContext.Current.CancellationToken);
            cut.Render(p => p.Add(f => f.Value, null));
        }), Xunit.TestContext.Current.CancellationToken);
        rendering.Wait(Xunit.TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromMilliseconds(300));
        pauseEnded.Set();
        await pageRender;

        cut.WaitForAssertion(() => Assert.Equal(["pasted"], _reported));
        Assert.Equal("pasted", Shown(cut));
    }

    [Fact]
    public void TheReportComingBack_DoesNotUndoKeysTypedSince()
    {
        var cut = RenderField();
        cut.Find("input").Input("ord");
        _time.Advance(TimeSpan.FromMilliseconds(300));
        cut.WaitForAssertion(() => Assert.Equal(["ord"], _reported));

        cut.Find("input").Input("ord-1");
        // The page took "ord" (into its URL) and renders with it, while "-1" waits for its pause.
        cut.Render(p => p.Add(f => f.Value, "ord"));
        Assert.Equal("ord-1", Shown(cut));

        _time.Advance(TimeSpan.FromMilliseconds(300));
        cut.WaitForAssertion(() => Assert.Equal(["ord", "ord-1"], _reported));
    }

    [Fact]
    public void AValueThePageSets_IsShown_AndNotReportedBack()
    {
        var cut = RenderField("from-the-url");
        Assert.Equal("from-the-url", Shown(cut));

        // A saved view opened, a filter cleared: the page's new value replaces the box's.
        cut.Render(p => p.Add(f => f.Value, "another"));
        Assert.Equal("another", Shown(cut));
        cut.Render(p => p.Add(f => f.Value, null));
        Assert.True(string.IsNullOrEmpty(Shown(cut)));

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(_reported);
    }

    [Fact]
    public void EmptyingTheBox_IsReportedAtOnce_AndCancelsThePause()
    {
        var cut = RenderField("ord-1");

        cut.Find("input").Input("ord-");
        cut.Find("input").Input("");
        Assert.Single(_reported);
        Assert.True(string.IsNullOrEmpty(_reported[0]));

        // The pause of "ord-" ended with the box already emptied: nothing more is reported.
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(_reported);
    }

    [Fact]
    public async Task AFieldGone_ReportsNothingLater()
    {
        var cut = RenderField();
        cut.Find("input").Input("half typed");

        await DisposeComponentsAsync();
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Empty(_reported);
    }
}
