using Dashboard.Model.Insights;

namespace Dashboard.Model.Tests;

public sealed class WorkflowFacetSearchTests
{
    private static readonly WorkflowFacet[] ByName =
    [
        new("billing-eu", "Billing (EU)"),
        new("acme-billing", "Billing for Acme"),
        new("nightly", "Nightly billing"),
        new("payroll", null),
        new("billing", "Zz umbrella"),
    ];

    private static List<string> Ids(IReadOnlyList<WorkflowFacet> found) => found.Select(w => w.WorkflowId).ToList();

    [Fact]
    public void TheWorkflowNamedExactlyComesFirst_ThenThoseStartedBy_ThenThoseHolding_EachInTheOrderGiven()
    {
        var (found, total) = WorkflowFacetSearch.Over(ByName, "BILLING", null);

        Assert.Equal(["billing", "billing-eu", "acme-billing", "nightly"], Ids(found));
        Assert.Equal(4, total);
    }

    [Fact]
    public void AnExactMatchOfferedAfterTheLimitIsFull_StillTakesTheFirstPlace_AndTheTotalCountsEveryMatch()
    {
        // The store gives its rows by name; the exact one comes last here, after two that filled the limit.
        var (found, total) = WorkflowFacetSearch.Over(ByName, "billing", 2);

        Assert.Equal(["billing", "billing-eu"], Ids(found));
        Assert.Equal(4, total);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void NoText_OffersEveryWorkflowInTheOrderGiven(string? text)
    {
        var (found, total) = WorkflowFacetSearch.Over(ByName, text, 3);

        Assert.Equal(["billing-eu", "acme-billing", "nightly"], Ids(found));
        Assert.Equal(5, total);
    }

    [Fact]
    public void ANameIsSearchedToo_AndAWorkflowWithoutOneByItsIdAlone()
    {
        Assert.Equal(["acme-billing"], Ids(WorkflowFacetSearch.Over(ByName, "for acme", null).Found));
        Assert.Equal(["payroll"], Ids(WorkflowFacetSearch.Over(ByName, " PAY ", null).Found));
        Assert.Empty(WorkflowFacetSearch.Over(ByName, "<script>", null).Found);
    }

    [Fact]
    public void ALimitOfNothing_OnlyCounts()
    {
        var (found, total) = WorkflowFacetSearch.Over(ByName, "bill", 0);

        Assert.Empty(found);
        Assert.Equal(4, total);
    }
}
