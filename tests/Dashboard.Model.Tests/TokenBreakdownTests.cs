using System.Text.Json;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;

namespace Dashboard.Model.Tests;

public sealed class TokenBreakdownTests
{
    [Fact]
    public void MissingTotal_IsTheSumOfPromptAndCompletion_WhereverItIsRead()
    {
        var sent = JsonSerializer.Deserialize<TokenBreakdown>("""{"prompt":800,"cached":300,"completion":60}""", ModelJson.Options)!;
        var zero = JsonSerializer.Deserialize<TokenBreakdown>("""{"prompt":800,"cached":300,"completion":60,"total":0}""", ModelJson.Options)!;
        var given = JsonSerializer.Deserialize<TokenBreakdown>("""{"prompt":800,"cached":300,"completion":60,"total":900}""", ModelJson.Options)!;

        Assert.Equal(860, sent.Total);
        Assert.Equal(860, zero.Total);
        Assert.Equal(900, given.Total);
        Assert.Equal(sent, new TokenBreakdown { Prompt = 800, Cached = 300, Completion = 60, Total = 860 });
        Assert.Contains("\"total\":860", JsonSerializer.Serialize(sent, ModelJson.Options), StringComparison.Ordinal);
        Assert.Equal(1720, (sent + zero).Total);
    }
}
