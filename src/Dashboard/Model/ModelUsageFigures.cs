using System.Globalization;
using Dashboard.Model.Insights;

namespace Dashboard.Model;

/// <summary>What the cost-by-model table works out from a <see cref="ModelUsage"/> row.</summary>
public static class ModelUsageFigures
{
    /// <summary>Failed calls over calls; null without calls.</summary>
    public static double? FailureRate(ModelUsage model) => model.Calls > 0 ? (double)model.Failed / model.Calls : null;

    /// <summary>The mean cost of a call (shown as money: four significant decimals below a dollar); null when no call reported a cost.</summary>
    public static decimal? CostPerCall(ModelUsage model) => model.CostUsd is { } cost && model.Calls > 0 ? cost / model.Calls : null;

    public static string CostPerCallTooltip(ModelUsage model) => CostPerCall(model) is { } mean
        ? $"{DisplayFormat.Cost(model.CostUsd)} over {DisplayFormat.Count(model.Calls)} calls, about {DisplayFormat.Money(mean)} a call"
        : "No cost reported";

    public static string TokensTooltip(ModelUsage model) =>
        $"{model.Tokens.Prompt.ToString("N0", CultureInfo.InvariantCulture)} prompt ({model.Tokens.Cached.ToString("N0", CultureInfo.InvariantCulture)} cached) · "
        + $"{model.Tokens.Completion.ToString("N0", CultureInfo.InvariantCulture)} completion";
}
