using Dashboard.Model;

namespace Dashboard.Web.Tests;

public sealed class SavedViewsTests
{
    [Fact]
    public void Save_ReplacesByName_NewestFirst_WithoutThePageCursor()
    {
        var views = SavedViews.Save([], "Billing problems", "?status=failed%2Ctimeout&workflow=billing&cursor=abc");
        views = SavedViews.Save(views, "Nightly", "?workflow=warehouse-sync");
        views = SavedViews.Save(views, "Billing problems", "?status=failed&workflow=billing");

        Assert.Equal(["Billing problems", "Nightly"], views.Select(v => v.Name));
        Assert.Equal("status=failed&workflow=billing", views[0].Query);
        Assert.Equal(views, SavedViews.Parse(SavedViews.Serialize(views)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{\"name\":\"x\"}")]
    [InlineData("[{\"Name\":\"\",\"Query\":\"a\"}]")]
    public void Parse_OfAnythingElse_IsNoViews(string? stored) => Assert.Empty(SavedViews.Parse(stored));

    [Fact]
    public void BlankNames_AreNotSaved_LongOnesCut_AndAtMostTwentyKept()
    {
        Assert.Empty(SavedViews.Save([], "   ", "?q=x"));
        Assert.Equal(SavedViews.MaxNameLength, SavedViews.Save([], new string('n', 100), "").Single().Name.Length);
        var many = Enumerable.Range(0, 30).Aggregate((IReadOnlyList<SavedView>)[], (views, i) => SavedViews.Save(views, $"view {i}", $"q={i}"));
        Assert.Equal(SavedViews.MaxViews, many.Count);
        Assert.Equal("view 29", many[0].Name);
        Assert.Equal(["view 28"], SavedViews.Remove(many, "view 29").Take(1).Select(v => v.Name));
    }
}
