using Dashboard.Client.Api;
using Dashboard.Model.Events;
using Dashboard.Model.Runs;

namespace Dashboard.Client;

/// <summary>
/// Reads (and reports) runs of a runs service. Every method takes a <see cref="CancellationToken"/> and throws only
/// <see cref="Errors.RunsClientException"/> subtypes; nothing of Refit or HTTP leaks out.
/// </summary>
public interface IRunsClient
{
    /// <summary>
    /// A client that sees only <paramref name="workflows"/>, within what its API key sees (the service intersects the two):
    /// what a dashboard uses to show each user only their workflows. Unknown and out-of-scope runs are alike not found.
    /// </summary>
    IRunsClient ForWorkflows(IEnumerable<string> workflows);

    /// <summary>Cross-run figures and failure groups (<c>/api/insights/*</c>), within this client's workflows.</summary>
    IInsightsReader Insights { get; }

    /// <summary>A lazy handle on one run: no call is made until one of its methods is.</summary>
    RunProxy Run(string runId);

    /// <summary>One page of executions matching <paramref name="query"/>.</summary>
    Task<RunsPage> ListRunsAsync(RunsQuery query, CancellationToken cancellationToken = default);

    /// <summary>Every page of executions matching <paramref name="query"/>, fetched as the caller advances.</summary>
    IAsyncEnumerable<RunsPage> ListAllRunsAsync(RunsQuery query, CancellationToken cancellationToken = default);

    /// <summary>Changes of every run as they are reported, from <paramref name="offset"/> (<c>now</c>: only new ones).</summary>
    IAsyncEnumerable<RunChange> LiveFeedAsync(string offset = "now", LiveOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The feed's offset as it is when the service answers: following from it (<see cref="LiveFeedAsync"/>) gives every
    /// change made after this call returned, where <c>now</c> would start wherever the feed is when the follow starts.
    /// </summary>
    Task<string> FeedTailAsync(CancellationToken cancellationToken = default);

    /// <summary>The workflows (with names) and trigger types of the runs this client may see: what a list can filter by.</summary>
    Task<Model.Insights.RunFacets> FacetsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="FacetsAsync(CancellationToken)"/>, with only the workflows whose id or name holds
    /// <paramref name="workflowSearch"/> (null: all), exact matches first, at most <paramref name="workflowLimit"/> of them
    /// (0-1,000; null: all). <see cref="Model.Insights.RunFacets.TotalWorkflows"/> says how many match.
    /// </summary>
    Task<Model.Insights.RunFacets> FacetsAsync(string? workflowSearch, int? workflowLimit, CancellationToken cancellationToken = default);

    /// <summary>
    /// A workflow's control requests from <paramref name="offset"/> (<c>-1</c>: all; <c>now</c>: new ones; else a request's
    /// <see cref="Model.Control.ControlRequest.Offset"/>, to go on after it), then live: what an engine follows to act on
    /// its runs. A dropped connection is resumed from the last request seen, none repeated.
    /// </summary>
    IAsyncEnumerable<Model.Control.ControlRequest> FollowControlAsync(string workflowId, string offset = "-1", LiveOptions? live = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs' payloads and log lines holding every word of <paramref name="text"/> (a "quoted phrase" in order), newest
    /// first, only of the workflows this client may see. Pass the page's <see cref="Model.Search.SearchPage.NextCursor"/>
    /// as <paramref name="cursor"/> for the next.
    /// </summary>
    Task<Model.Search.SearchPage> SearchAsync(string text, string? workflowId = null, DateTimeOffset? from = null, DateTimeOffset? to = null,
        string? cursor = null, int? limit = null, CancellationToken cancellationToken = default);

    /// <summary>The last <paramref name="count"/> changes of the feed (1-1000), oldest first, each with its feed offset.</summary>
    Task<IReadOnlyList<RunChange>> RecentChangesAsync(int count = 50, CancellationToken cancellationToken = default);

    /// <summary>Seed 004: a workflow's executions (newest first) and the cursor of the next page.</summary>
    Task<(IReadOnlyList<Execution> Executions, string? NextCursor)> ListExecutionsAsync(string workflowId, string? cursor = null, int limit = 50, CancellationToken cancellationToken = default);

    /// <summary>Seed 004: one execution with its steps' input, output, mapped output and error.</summary>
    Task<Execution> GetExecutionAsync(string workflowId, string runId, CancellationToken cancellationToken = default);

    /// <summary>Reports a batch of events (what <see cref="RunReporter"/> calls).</summary>
    Task<IngestResult> ReportAsync(string runId, IReadOnlyList<RunEvent> events, ProducerHeaders? producer = null, CancellationToken cancellationToken = default);
}

/// <summary>Idempotent-producer headers: a resent batch with the same values is stored once.</summary>
public sealed record ProducerHeaders(string ProducerId, long Epoch, long Seq);
