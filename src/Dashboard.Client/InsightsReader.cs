using Dashboard.Model.Insights;
using Dashboard.Model.Json;

namespace Dashboard.Client;

/// <summary>
/// Cross-run figures of the runs service (<c>/api/insights/*</c>): what is failing, since when, where, at what cost.
/// Every read covers the runs started in an <see cref="InsightsRange"/> that the client may see.
/// </summary>
public interface IInsightsReader
{
    /// <summary>Counts by status, failure rate, duration percentiles, cost and tokens, with the period before.</summary>
    Task<InsightsSummary> SummaryAsync(InsightsRange range, CancellationToken cancellationToken = default);

    /// <summary>The period in buckets: <c>minute</c> (periods up to 6 hours), <c>hour</c> (up to 8 days) or <c>day</c>; null lets the service choose.</summary>
    Task<InsightsTimeseries> TimeseriesAsync(InsightsRange range, string? bucket = null, CancellationToken cancellationToken = default);

    /// <summary>The workflows, the service's first 200, most failed runs first (<see cref="WorkflowHealthList.TotalWorkflows"/> says how many there are).</summary>
    Task<WorkflowHealthList> WorkflowsAsync(InsightsRange range, CancellationToken cancellationToken = default);

    /// <summary>
    /// The first <paramref name="limit"/> workflows (null: 200; at most 1,000) by <paramref name="sort"/> (a column of
    /// <see cref="HealthOrders.Workflows"/>; null: most failed runs first), descending or not (null: the column's own way).
    /// </summary>
    Task<WorkflowHealthList> WorkflowsAsync(InsightsRange range, string? sort, bool? descending, int? limit, CancellationToken cancellationToken = default);

    /// <summary>Failure groups, biggest first, each with its sparkline and newest example runs.</summary>
    Task<FailureGroupList> FailuresAsync(InsightsRange range, int? limit = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// One failure group by its <see cref="FailureGroup.Signature"/>, whatever the period (its count: every run that failed
    /// in it; no trend); null when there is none the client may see.
    /// </summary>
    Task<FailureGroup?> FailureGroupAsync(string signature, CancellationToken cancellationToken = default);

    /// <summary>
    /// Steps of <see cref="InsightsRange.WorkflowId"/> (required): which is slow, flaky or expensive; the service's first
    /// 200, most failures first (<see cref="StepHealthList.TotalSteps"/> says how many there are).
    /// </summary>
    Task<StepHealthList> StepsAsync(InsightsRange range, CancellationToken cancellationToken = default);

    /// <summary>
    /// The first <paramref name="limit"/> steps (null: 200; at most 1,000) by <paramref name="sort"/> (a column of
    /// <see cref="HealthOrders.Steps"/>; null: most failures first), descending or not (null: the column's own way).
    /// </summary>
    Task<StepHealthList> StepsAsync(InsightsRange range, string? sort, bool? descending, int? limit, CancellationToken cancellationToken = default);

    /// <summary>The models the period's steps called (of one workflow or all): calls, failures, cost, tokens; the costliest first.</summary>
    Task<ModelUsageList> ModelsAsync(InsightsRange range, CancellationToken cancellationToken = default);
}

internal sealed class InsightsReader(RunsClient client) : IInsightsReader
{
    public Task<InsightsSummary> SummaryAsync(InsightsRange range, CancellationToken cancellationToken = default) =>
        client.CallAsync(token => client.Api.InsightsSummaryAsync(From(range), To(range), range.WorkflowId, token), null, cancellationToken);

    public Task<InsightsTimeseries> TimeseriesAsync(InsightsRange range, string? bucket = null, CancellationToken cancellationToken = default) =>
        client.CallAsync(token => client.Api.InsightsTimeseriesAsync(From(range), To(range), range.WorkflowId, bucket, token), null, cancellationToken);

    public Task<WorkflowHealthList> WorkflowsAsync(InsightsRange range, CancellationToken cancellationToken = default) =>
        WorkflowsAsync(range, null, null, null, cancellationToken);

    public Task<WorkflowHealthList> WorkflowsAsync(InsightsRange range, string? sort, bool? descending, int? limit, CancellationToken cancellationToken = default) =>
        client.CallAsync(token => client.Api.InsightsWorkflowsAsync(From(range), To(range), range.WorkflowId, sort, Order(descending), limit, token), null, cancellationToken);

    public Task<FailureGroupList> FailuresAsync(InsightsRange range, int? limit = null, CancellationToken cancellationToken = default) =>
        client.CallAsync(token => client.Api.InsightsFailuresAsync(From(range), To(range), range.WorkflowId, limit, token), null, cancellationToken);

    public async Task<FailureGroup?> FailureGroupAsync(string signature, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(signature);
        try
        {
            return await client.CallAsync(token => client.Api.InsightsFailureGroupAsync(signature, token), null, cancellationToken).ConfigureAwait(false);
        }
        catch (Errors.RunNotFoundException)
        {
            // The service's RESOURCE_NOT_FOUND, which the client names after runs: no such group, or not one of the key's workflows.
            return null;
        }
    }

    public Task<StepHealthList> StepsAsync(InsightsRange range, CancellationToken cancellationToken = default) =>
        StepsAsync(range, null, null, null, cancellationToken);

    public Task<StepHealthList> StepsAsync(InsightsRange range, string? sort, bool? descending, int? limit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(range.WorkflowId, nameof(range));
        return client.CallAsync(token => client.Api.InsightsStepsAsync(From(range), To(range), range.WorkflowId, sort, Order(descending), limit, token), null, cancellationToken);
    }

    public Task<ModelUsageList> ModelsAsync(InsightsRange range, CancellationToken cancellationToken = default) =>
        client.CallAsync(token => client.Api.InsightsModelsAsync(From(range), To(range), range.WorkflowId, token), null, cancellationToken);

    private static string? Order(bool? descending) => descending switch { true => "desc", false => "asc", null => null };

    private static string From(InsightsRange range) => Rfc3339DateTimeOffsetConverter.Format(range.From);

    private static string To(InsightsRange range) => Rfc3339DateTimeOffsetConverter.Format(range.To);
}
