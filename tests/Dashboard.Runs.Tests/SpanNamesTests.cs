using Dashboard.Model.Runs;
using Dashboard.Runs.Otlp;

namespace Dashboard.Runs.Tests;

public class SpanNamesTests
{
    [Theory]
    [InlineData("plan")]
    [InlineData("tool: lookup order")]
    [InlineData("orders/1234 %20 ünïcode 🚀")]
    public void ANameAnIdMayHold_IsItsOwnId(string name) => Assert.Equal(name, SpanNames.AsId(name));

    [Fact]
    public void ALongestNameAnIdMayHold_IsItsOwnId()
    {
        var name = new string('q', Ids.MaxLength);
        Assert.Equal(name, SpanNames.AsId(name));
    }

    [Theory]
    [InlineData("fetch\u0007data", "fetchdata")]
    [InlineData("support\u202Eagent", "supportagent")]
    [InlineData("", "span")]
    [InlineData("\u0001", "span")]
    [InlineData(".", "span")]
    [InlineData("..", "span")]
    public void ANameWithWhatAnIdMayNotHold_IsWhatIsLeft_MarkedByTheWholeName(string name, string left)
    {
        var id = SpanNames.AsId(name);
        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(left)}~[0-9a-f]{{8}}$", id);
        Assert.Null(Ids.ProblemOfNew(id));
        Assert.Equal(id, SpanNames.AsId(name));
    }

    [Fact]
    public void NamesThatDifferOnlyInWhatIsDroppedOrCut_AreDifferentIds()
    {
        var prefix = new string('s', 300);
        string[] names = ["fetchdata", "fetch\u0007data", "fetch\u0008data", "fetch\u202Edata", prefix + "a", prefix + "b", prefix];
        var ids = names.Select(SpanNames.AsId).ToList();
        Assert.Equal(names.Length, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Null(Ids.ProblemOfNew(id)));
    }

    [Fact]
    public void ACutName_IsTheLongestIdAndDoesNotSplitASurrogatePair()
    {
        // An emoji (two UTF-16 units) across the place where the name is cut.
        var room = Ids.MaxLength - 9;
        var name = new string('e', room - 1) + "🚀" + new string('e', 50);
        var id = SpanNames.AsId(name);
        Assert.True(id.Length <= Ids.MaxLength);
        Assert.False(char.IsHighSurrogate(id[id.IndexOf('~', room - 2) - 1]));
        Assert.Null(Ids.ProblemOfNew(id));
        Assert.Equal(Ids.MaxLength, SpanNames.AsId(new string('x', 400)).Length);
    }

    [Fact]
    public void TheNameShown_KeepsWhatIsLeftWhole() =>
        Assert.Equal("tool: lookuporder " + new string('x', 300), SpanNames.AsName("tool: lookup\n\u202Eorder " + new string('x', 300)));
}
