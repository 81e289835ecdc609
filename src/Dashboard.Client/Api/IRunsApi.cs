using Dashboard.Model.Insights;
using Dashboard.Model.Rollups;
using Dashboard.Model.Runs;
using Refit;

namespace Dashboard.Client.Api;

/// <summary>The runs service's routes (Refit, source-generated). Not used directly: <see cref="RunsClient"/> wraps it.</summary>
public interface IRunsApi
{
    [Get("/api/runs")]
    Task<RunsPage> ListRunsAsync(
        [Query(CollectionFormat.Csv)] string[]? status,
        string? workflowId,
        string? triggerType,
        string? experimentId,
        string? parentRunId,
        string? model,
        string? failureSignature,
        string? from,
        string? to,
        string? q,
        string? cursor,
        int limit,
        string? sort,
        string? counts,
        CancellationToken cancellationToken);

    [Get("/api/search")]
    Task<Dashboard.Model.Search.SearchPage> SearchAsync(string q, string? workflowId, string? from, string? to, string? cursor, int? limit,
        CancellationToken cancellationToken);

    [Get("/api/runs/facets")]
    Task<RunFacets> GetFacetsAsync(string? workflowSearch, int? workflowLimit, CancellationToken cancellationToken);

    [Get("/api/runs/{runId}")]
    Task<RunRecord> GetRunAsync(string runId, CancellationToken cancellationToken);

    /// <summary>Seed 002's record in its snake_case names: read raw and parsed with the snake-case options.</summary>
    [Get("/v1/runs/{runId}")]
    Task<HttpResponseMessage> GetSeedRunAsync(string runId, CancellationToken cancellationToken);

    [Get("/api/runs/{runId}/trace")]
    Task<Trace> GetTraceAsync(string runId, CancellationToken cancellationToken);

    [Get("/api/runs/{runId}/steps/{stepId}/trace")]
    Task<StepTrace> GetStepTraceAsync(string runId, string stepId, string attempt, int? loopIndex, CancellationToken cancellationToken);

    [Get("/api/runs/{runId}/steps/{stepId}/trace?attempt=all")]
    Task<StepAttempts> GetStepAttemptsAsync(string runId, string stepId, int? loopIndex, CancellationToken cancellationToken);

    [Get("/api/runs/{runId}/timeline")]
    Task<RunSnapshot> GetTimelineAsync(string runId, int? limit, CancellationToken cancellationToken);

    [Get("/api/runs/{runId}/logs")]
    Task<RunLogPage> GetLogsAsync(string runId, string? level, string? stepId, int? attempt, int? loopIndex, string? q, string? cursor, int? limit,
        long? offset, CancellationToken cancellationToken);

    [Get("/api/runs/{runId}/compare/{otherRunId}")]
    Task<Dashboard.Model.Comparing.RunComparison> CompareRunsAsync(string runId, string otherRunId, CancellationToken cancellationToken);

    [Get("/api/runs/{runId}/children")]
    Task<IReadOnlyList<RunRecord>> GetChildrenAsync(string runId, CancellationToken cancellationToken);

    [Get("/api/runs/{runId}/tree")]
    Task<RunTreeNode> GetTreeAsync(string runId, int? depth, CancellationToken cancellationToken);

    [Get("/api/runs/{runId}/rollup")]
    Task<FamilyRollup> GetRollupAsync(string runId, CancellationToken cancellationToken);

    /// <summary>The run's stream; the caller reads the protocol headers, so the raw response is returned.</summary>
    [Get("/api/runs/{runId}/events")]
    Task<HttpResponseMessage> GetEventsAsync(string runId, string offset, int? tail, string? live, string? cursor, CancellationToken cancellationToken);

    [Post("/api/runs/{runId}/actions")]
    Task<Dashboard.Model.Control.ActionAccepted> PostActionAsync(string runId, [Body] Dashboard.Model.Control.ActionRequest action,
        [Header("Idempotency-Key")] string? idempotencyKey, [Header("Runs-Acting-For")] string? actingFor, CancellationToken cancellationToken);

    [Get("/api/runs/{runId}/control")]
    Task<IReadOnlyList<Dashboard.Model.Control.ControlRequestState>> GetControlAsync(string runId, CancellationToken cancellationToken);

    /// <summary>A workflow's control stream, read raw like the run streams.</summary>
    [Get("/api/workflows/{workflowId}/control")]
    Task<HttpResponseMessage> GetControlStreamAsync(string workflowId, string offset, string? live, string? cursor, CancellationToken cancellationToken);

    [Get("/api/runs/feed")]
    Task<HttpResponseMessage> GetFeedAsync(string offset, string? live, string? cursor, int? tail, CancellationToken cancellationToken);

    [Post("/api/runs/{runId}/events")]
    Task<IngestResult> PostEventsAsync(
        string runId,
        [Body] HttpContent events,
        [Header("Producer-Id")] string? producerId,
        [Header("Producer-Epoch")] string? producerEpoch,
        [Header("Producer-Seq")] string? producerSeq,
        CancellationToken cancellationToken);

    [Get("/api/insights/summary")]
    Task<InsightsSummary> InsightsSummaryAsync(string from, string to, string? workflowId, CancellationToken cancellationToken);

    [Get("/api/insights/timeseries")]
    Task<InsightsTimeseries> InsightsTimeseriesAsync(string from, string to, string? workflowId, string? bucket, CancellationToken cancellationToken);

    [Get("/api/insights/workflows")]
    Task<WorkflowHealthList> InsightsWorkflowsAsync(string from, string to, string? workflowId, string? sort, string? order, int? limit, CancellationToken cancellationToken);

    [Get("/api/insights/failures")]
    Task<FailureGroupList> InsightsFailuresAsync(string from, string to, string? workflowId, int? limit, CancellationToken cancellationToken);

    [Get("/api/insights/failures/{signature}")]
    Task<FailureGroup> InsightsFailureGroupAsync(string signature, CancellationToken cancellationToken);

    [Get("/api/insights/steps")]
    Task<StepHealthList> InsightsStepsAsync(string from, string to, string workflowId, string? sort, string? order, int? limit, CancellationToken cancellationToken);

    [Get("/api/insights/models")]
    Task<ModelUsageList> InsightsModelsAsync(string from, string to, string? workflowId, CancellationToken cancellationToken);

    /// <summary>Seed 004's snake_case shapes: read raw and parsed with the snake-case options.</summary>
    [Get("/api/workflows/{workflowId}/executions")]
    Task<HttpResponseMessage> ListExecutionsAsync(string workflowId, string? cursor, int limit, CancellationToken cancellationToken);

    [Get("/api/workflows/{workflowId}/executions/{runId}")]
    Task<HttpResponseMessage> GetExecutionAsync(string workflowId, string runId, CancellationToken cancellationToken);
}

/// <summary>The service's answer to a reported batch.</summary>
public sealed record IngestResult(string RunId, int Accepted, int Duplicates, string? NextOffset, bool DuplicateBatch);
