using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Dashboard.Client.Api;
using Dashboard.Client.Errors;
using Dashboard.Model.Access;
using Dashboard.Model.Events;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;
using Microsoft.Extensions.Options;

namespace Dashboard.Client;

/// <summary>The facade over the Refit interfaces: typed errors, per-call time-outs, the model's JSON conventions.</summary>
public sealed class RunsClient(IRunsApi api, IOptions<RunsClientOptions> options) : IRunsClient
{
    /// <summary>The <see cref="WorkflowScopeHeader"/> value this client sends; null: the key's own scope.</summary>
    private string? _workflowScope;

    internal IRunsApi Api => api;

    /// <summary>A client that sees only <paramref name="workflows"/> (within what its key sees): one per signed-in user.</summary>
    public IRunsClient ForWorkflows(IEnumerable<string> workflows)
    {
        ArgumentNullException.ThrowIfNull(workflows);
        return new RunsClient(api, options) { _workflowScope = WorkflowScopeHeader.Format(workflows) };
    }

    /// <summary>A stream request made with this client's scope.</summary>
    internal StreamFollower.Request Scoped(StreamFollower.Request request) => async (offset, live, cursor, token) =>
    {
        WorkflowScopeHandler.Current = _workflowScope;
        return await request(offset, live, cursor, token).ConfigureAwait(false);
    };

    internal RunsClientOptions Options => options.Value;

    public IInsightsReader Insights => new InsightsReader(this);

    public RunProxy Run(string runId)
    {
        CheckRunId(runId);
        return new RunProxy(this, runId);
    }

    /// <summary>An id the service could never hold is the caller's mistake, said before any call is made.</summary>
    private static void CheckRunId(string runId, [CallerArgumentExpression(nameof(runId))] string? name = null)
    {
        ArgumentNullException.ThrowIfNull(runId, name);
        if (Ids.Problem(runId) is { } problem)
        {
            throw new ArgumentException($"The run id {problem}.", name);
        }
    }

    public Task<RunsPage> ListRunsAsync(RunsQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return CallAsync(token => api.ListRunsAsync(
            query.Statuses.Count == 0 ? null : query.Statuses.Select(s => s.ToWire()).ToArray(),
            query.WorkflowId,
            query.TriggerType,
            query.ExperimentId,
            query.ParentRunId,
            query.Model,
            query.FailureSignature,
            query.From is { } from ? Rfc3339DateTimeOffsetConverter.Format(from) : null,
            query.To is { } to ? Rfc3339DateTimeOffsetConverter.Format(to) : null,
            query.Text,
            query.Cursor,
            query.Limit,
            query.Ascending ? "asc" : null,
            query.IncludeCounts is { } counts ? (counts ? "true" : "false") : null,
            token), null, cancellationToken);
    }

    public async IAsyncEnumerable<RunsPage> ListAllRunsAsync(RunsQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var next = query;
        while (true)
        {
            var page = await ListRunsAsync(next, cancellationToken).ConfigureAwait(false);
            yield return page;
            if (page.NextCursor is null)
            {
                yield break;
            }
            next = next with { Cursor = page.NextCursor, IncludeCounts = false };
        }
    }

    public async IAsyncEnumerable<RunChange> LiveFeedAsync(string offset = "now", LiveOptions? live = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var (item, _) in StreamFollower.FollowAsync(
            Scoped((from, live, cursor, token) => api.GetFeedAsync(from, live, cursor, null, token)), offset, "feedOffset", live ?? LiveOptions.Default, cancellationToken).ConfigureAwait(false))
        {
            yield return item.Deserialize<RunChange>(ModelJson.Options)!;
        }
    }

    public async IAsyncEnumerable<Model.Control.ControlRequest> FollowControlAsync(string workflowId, string offset = "-1", LiveOptions? live = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowId);
        await foreach (var (item, _) in StreamFollower.FollowAsync(
            Scoped((from, mode, cursor, token) => api.GetControlStreamAsync(workflowId, from, mode, cursor, token)), offset, "offset", live ?? LiveOptions.Default, cancellationToken).ConfigureAwait(false))
        {
            yield return item.Deserialize<Model.Control.ControlRequest>(ModelJson.Options)!;
        }
    }

    public Task<string> FeedTailAsync(CancellationToken cancellationToken = default) =>
        CallAsync(async token =>
        {
            using var response = await api.GetFeedAsync("now", null, null, null, token).ConfigureAwait(false);
            if (await ApiErrorMapper.FromResponseAsync(response, token).ConfigureAwait(false) is { } error)
            {
                throw error;
            }
            return StreamFollower.Header(response, "Stream-Next-Offset")
                ?? throw new RunsClientException("The runs feed answered without its offset (Stream-Next-Offset).");
        }, null, cancellationToken);

    public Task<Model.Insights.RunFacets> FacetsAsync(CancellationToken cancellationToken = default) =>
        FacetsAsync(null, null, cancellationToken);

    public Task<Model.Insights.RunFacets> FacetsAsync(string? workflowSearch, int? workflowLimit, CancellationToken cancellationToken = default) =>
        CallAsync(token => api.GetFacetsAsync(workflowSearch, workflowLimit, token), null, cancellationToken);

    public Task<Model.Search.SearchPage> SearchAsync(string text, string? workflowId = null, DateTimeOffset? from = null, DateTimeOffset? to = null,
        string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        return CallAsync(token => api.SearchAsync(text, workflowId, from is { } start ? Rfc3339DateTimeOffsetConverter.Format(start) : null,
            to is { } end ? Rfc3339DateTimeOffsetConverter.Format(end) : null, cursor, limit, token), null, cancellationToken);
    }

    public Task<IReadOnlyList<RunChange>> RecentChangesAsync(int count = 50, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 1000);
        return CallAsync(async token =>
        {
            using var response = await api.GetFeedAsync("-1", null, null, count, token).ConfigureAwait(false);
            using var document = await ReadJsonAsync(response, token).ConfigureAwait(false);
            return (IReadOnlyList<RunChange>)document.RootElement.Deserialize<List<RunChange>>(ModelJson.Options)!;
        }, null, cancellationToken);
    }

    public Task<(IReadOnlyList<Execution> Executions, string? NextCursor)> ListExecutionsAsync(string workflowId, string? cursor = null, int limit = 50, CancellationToken cancellationToken = default) =>
        CallAsync(async token =>
        {
            using var response = await api.ListExecutionsAsync(workflowId, cursor, limit, token).ConfigureAwait(false);
            using var document = await ReadJsonAsync(response, token).ConfigureAwait(false);
            var executions = document.RootElement.GetProperty("executions").Deserialize<List<Execution>>(ModelJson.SnakeCaseOptions)!;
            var next = document.RootElement.TryGetProperty("next_cursor", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            return ((IReadOnlyList<Execution>)executions, next);
        }, null, cancellationToken);

    public Task<Execution> GetExecutionAsync(string workflowId, string runId, CancellationToken cancellationToken = default) =>
        CallAsync(async token =>
        {
            using var response = await api.GetExecutionAsync(workflowId, runId, token).ConfigureAwait(false);
            using var document = await ReadJsonAsync(response, token).ConfigureAwait(false);
            return document.RootElement.Deserialize<Execution>(ModelJson.SnakeCaseOptions)!;
        }, null, cancellationToken);

    public Task<IngestResult> ReportAsync(string runId, IReadOnlyList<RunEvent> events, ProducerHeaders? producer = null, CancellationToken cancellationToken = default)
    {
        CheckRunId(runId);
        ArgumentNullException.ThrowIfNull(events);
        var body = JsonSerializer.SerializeToUtf8Bytes(events, ModelJson.Options);
        return CallAsync(token =>
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return api.PostEventsAsync(runId, content, producer?.ProducerId,
                producer?.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture),
                producer?.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), token);
        }, null, cancellationToken);
    }

    /// <summary>Runs one call with its time-out (the caller's, else the client's), mapping every failure to a typed one.</summary>
    internal async Task<T> CallAsync<T>(Func<CancellationToken, Task<T>> call, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        using var limited = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limited.CancelAfter(timeout ?? options.Value.Timeout);
        WorkflowScopeHandler.Current = _workflowScope;
        try
        {
            return await call(limited.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ApiErrorMapper.Map(ex, cancellationToken) is { } mapped && mapped != ex)
        {
            throw mapped;
        }
    }

    internal static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (await ApiErrorMapper.FromResponseAsync(response, cancellationToken).ConfigureAwait(false) is { } error)
        {
            throw error;
        }
        return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
