using Dashboard.Components.Controls;
using Dashboard.Model.Insights;

namespace Dashboard.Web.Tests;

public sealed class WorkflowPickerTests : DashboardTestContext
{
    public WorkflowPickerTests()
    {
        // A workflow per tenant: 5,000 known, in the service's order (by name).
        RunsClient.Facets = new RunFacets(
            Enumerable.Range(0, 5_000).Select(i => new WorkflowFacet($"tenant-{i:D4}", $"Tenant {i:D4} sync")).ToList(), ["schedule"]);
    }

    private string[] Options() => Popovers!.FindAll(".mud-list-item").Select(i => i.TextContent.Trim()).ToArray();

    [Fact]
    public void Opening_ShowsTheFirstFiftyAndHowManyMore_NotEveryWorkflow()
    {
        var cut = Render<WorkflowPicker>();

        cut.Find(".mud-input-control").MouseDown();

        cut.WaitForAssertion(() => Assert.Equal(WorkflowPicker.Shown, Options().Length));
        Assert.Equal("Tenant 0000 sync (tenant-0000)", Options()[0]);
        Assert.Contains("4,950 more of 5,000", Popovers!.Find(".more-workflows").TextContent, StringComparison.Ordinal);
        Assert.Contains((null, WorkflowPicker.Shown + 1), RunsClient.FacetSearches);
    }

    [Fact]
    public void Typing_AsksTheServiceForThatText_AndPickingReportsTheWorkflowsId()
    {
        string? picked = "unset";
        var cut = Render<WorkflowPicker>(p => p.Add(x => x.ValueChanged, (string? id) => picked = id));

        cut.Find("input").Input("4242");

        cut.WaitForAssertion(() => Assert.Equal(["Tenant 4242 sync (tenant-4242)"], Options()));
        Assert.Contains(("4242", WorkflowPicker.Shown + 1), RunsClient.FacetSearches);
        Popovers!.Find(".mud-list-item").Click();
        cut.WaitForAssertion(() => Assert.Equal("tenant-4242", picked));
    }

    [Fact]
    public void WhatIsTyped_StaysWhileThePageAroundItRendersAgain()
    {
        // The overview and the list render every few seconds as runs arrive: a search being typed must outlive that.
        var cut = Render<WorkflowPicker>(p => p.Add(x => x.Value, "tenant-0001"));
        cut.WaitForAssertion(() => Assert.Equal("Tenant 0001 sync", cut.Find("input").GetAttribute("value")));

        // As in a browser, where the box has the focus while it is typed in (MudBlazor then keeps the text).
        cut.Find("input").Focus();
        cut.Find("input").Input("424");
        cut.WaitForAssertion(() => Assert.Equal(15, Options().Length));
        var asked = RunsClient.FacetSearches.Count;
        for (var i = 0; i < 3; i++)
        {
            cut.Render(p => p.Add(x => x.Value, "tenant-0001"));
        }

        Assert.Equal("424", cut.Find("input").GetAttribute("value"));
        Assert.Equal(15, Options().Length);
        // The chosen workflow's name is not asked for again at each render.
        Assert.Equal(asked, RunsClient.FacetSearches.Count);
    }

    [Fact]
    public void ANameWithAHiddenCharacter_ShowsItAsAMarkerInTheList()
    {
        // Two names that look alike are told apart: the zero-width space is shown, not swallowed.
        RunsClient.Facets = new RunFacets([new("payroll", "Pay\u200Broll"), new("payroll-2", "Payroll")], []);
        var cut = Render<WorkflowPicker>();

        cut.Find("input").Input("pay");

        cut.WaitForAssertion(() => Assert.Equal(2, Options().Length));
        var marker = Popovers!.Find(".mud-list-item .hidden-char");
        Assert.Equal("U+200B", marker.TextContent);
        Assert.DoesNotContain('\u200B', Popovers!.Find(".mud-list-item").TextContent);
    }

    [Fact]
    public void AWorkflowFromTheUrl_IsShownByItsName_EvenFarDownTheList()
    {
        var cut = Render<WorkflowPicker>(p => p.Add(x => x.Value, "tenant-4999"));

        cut.WaitForAssertion(() => Assert.Equal("Tenant 4999 sync", cut.Find("input").GetAttribute("value")));
    }

    [Fact]
    public void TheChosenWorkflow_ReadsByItsNameInTheBox_AndByNameAndIdInItsTooltip()
    {
        // Two workflows of one name: the list and the tooltip tell them apart by id, the box (short of room) by name.
        RunsClient.Facets = new RunFacets([new("refund-eu", "Refund request"), new("refund-us", "Refund request")], []);
        var cut = Render<WorkflowPicker>(p => p.Add(x => x.Value, "refund-us"));

        cut.WaitForAssertion(() => Assert.Equal("Refund request", cut.Find("input").GetAttribute("value")));
        Assert.Equal("Refund request (refund-us)", cut.Find("[data-testid=workflow-picker]").GetAttribute("title"));

        cut.Find("input").Input("refund");
        cut.WaitForAssertion(() => Assert.Equal(["Refund request (refund-eu)", "Refund request (refund-us)"], Options()));
    }

    [Fact]
    public void AWorkflowTheServiceDoesNotKnow_IsShownByItsId_AndClearingPicksAll()
    {
        string? picked = "unset";
        var cut = Render<WorkflowPicker>(p => p
            .Add(x => x.Value, "retired-<b>flow</b>")
            .Add(x => x.ValueChanged, (string? id) => picked = id));

        cut.WaitForAssertion(() => Assert.Equal("retired-<b>flow</b>", cut.Find("input").GetAttribute("value")));
        cut.Find("input").Input("");
        cut.WaitForAssertion(() => Assert.Null(picked));
    }
}
