using System.Globalization;
using Dashboard.Model.Insights;

namespace Dashboard.Model;

/// <summary>What the cost-by-model table works out from a <see cref="ModelUsage"/> row.</summary>
public static class ModelUsageFigures
{
    /// <summary>Failed calls over calls; null without calls.</summary>
    public static double? FailureRate(ModelUsage model) => model.Calls > 0 ? (double)model.Failed / model.Calls : null;

    /// <summary>
    /// The mean cost of a call that reported one (shown as money: four significant decimals below a dollar); null when
    /// none did. Over all calls, a model whose failed calls report no cost would look cheaper the more it fails.
    /// </summary>
    public static decimal? CostPerCall(ModelUsage model) => model.CostUsd is { } cost && model.PricedCalls > 0 ? cost / model.PricedCalls : null;

    public static string CostPerCallTooltip(ModelUsage model) => CostPerCall(model) is { } mean
        ? $"{DisplayFormat.Cost(model.CostUsd)} over {DisplayFormat.Count(model.PricedCalls)} priced calls, about {DisplayFormat.Money(mean)} a call"
            + (model.PricedCalls < model.Calls ? $" ({DisplayFormat.Count(model.Calls - model.PricedCalls)} reported no cost)" : "")
        : "No cost reported";

    public static string TokensTooltip(ModelUsage model) =>
        $"{model.Tokens.Prompt.ToString("N0", CultureInfo.InvariantCulture)} prompt ({model.Tokens.Cached.ToString("N0", CultureInfo.InvariantCulture)} cached) · "
        + $"{model.Tokens.Completion.ToString("N0", CultureInfo.InvariantCulture)} completion";
}
