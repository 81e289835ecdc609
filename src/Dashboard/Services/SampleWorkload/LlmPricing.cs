using Dashboard.Model.Runs;

namespace Dashboard.Services.SampleWorkload;

/// <summary>Plausible per-million-token prices (USD), so the sample's costs look like real bills.</summary>
internal static class LlmPricing
{
    private static readonly Dictionary<string, (decimal Prompt, decimal Cached, decimal Completion)> Prices = new()
    {
        ["gpt-4o"] = (2.50m, 1.25m, 10.00m),
        ["gpt-4o-mini"] = (0.15m, 0.075m, 0.60m),
        ["claude-3-5-haiku"] = (0.80m, 0.08m, 4.00m),
        ["text-embedding-3-small"] = (0.02m, 0.02m, 0m),
    };

    public static decimal Cost(string model, TokenBreakdown tokens)
    {
        var (prompt, cached, completion) = Prices[model];
        var uncached = tokens.Prompt - tokens.Cached;
        return Math.Round((uncached * prompt + tokens.Cached * cached + tokens.Completion * completion) / 1_000_000m, 8);
    }
}
