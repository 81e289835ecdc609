using System.Runtime.CompilerServices;
using System.Text.Json;
using Dashboard.Client.Errors;
using Dashboard.Model.Events;
using Dashboard.Model.Json;
using Dashboard.Model.Rollups;
using Dashboard.Model.Runs;

namespace Dashboard.Client;

/// <summary>
/// One run, by id. Constructing it makes no call (the seed SDK's <c>run(id)</c>); each method is one request, with an
/// optional time-out of its own.
/// </summary>
public sealed class RunProxy
{
    private readonly RunsClient _client;

    internal RunProxy(RunsClient client, string runId)
    {
        _client = client;
        RunId = runId;
    }

    public string RunId { get; }

    /// <summary>The run summary and the latest attempt of each step (seed 001 <c>Trace</c>), with the offset it reflects.</summary>
    public Task<Trace> TraceAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _client.CallAsync(token => _client.Api.GetTraceAsync(RunId, token), timeout, cancellationToken);

    /// <summary>One step's latest attempt, attempt N, or all attempts; <paramref name="loopIndex"/> for a step inside a loop.</summary>
    public Task<StepTraceResult> StepTraceAsync(string stepId, Attempt attempt = default, int? loopIndex = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(stepId);
        return _client.CallAsync(async token =>
        {
            if (attempt.IsAll)
            {
                var all = await _client.Api.GetStepAttemptsAsync(RunId, stepId, loopIndex, token).ConfigureAwait(false);
                return new StepTraceResult(all.StepId, all.LoopIndex, all.Attempts);
            }
            var one = await _client.Api.GetStepTraceAsync(RunId, stepId, attempt.ToString(), loopIndex, token).ConfigureAwait(false);
            return new StepTraceResult(one.StepId, one.LoopIndex, [one]);
        }, timeout, cancellationToken);
    }

    /// <summary>The run record (seed 002) with the summary fields of seed 001.</summary>
    public Task<RunRecord> RecordAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _client.CallAsync(token => _client.Api.GetRunAsync(RunId, token), timeout, cancellationToken);

    /// <summary>
    /// The run record exactly as seed 002 names it (<c>GET /v1/runs/{runId}</c>): <c>created_at</c>, <c>failed_at</c>,
    /// <c>runnable_id</c>, <c>result.prompt_tokens</c>, the seed's error codes, every field present.
    /// </summary>
    public Task<SeedRunRecord> SeedRecordAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _client.CallAsync(async token =>
        {
            using var response = await _client.Api.GetSeedRunAsync(RunId, token).ConfigureAwait(false);
            using var document = await RunsClient.ReadJsonAsync(response, token).ConfigureAwait(false);
            return document.RootElement.Deserialize<SeedRunRecord>(ModelJson.SnakeCaseOptions)!;
        }, timeout, cancellationToken);

    /// <summary>
    /// The record and every attempt of every step without payloads (times, status, model, tokens, cost, error message),
    /// with the stream offset they reflect: follow <see cref="LiveTraceAsync"/> from there for what comes next.
    /// With <paramref name="limit"/>, only the first attempts (in the order steps started) and how many there are in all
    /// (<see cref="RunSnapshot.IsComplete"/>): enough to show the start of a 10,000-step run while the rest loads.
    /// </summary>
    public Task<RunSnapshot> TimelineAsync(int? limit = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _client.CallAsync(token => _client.Api.GetTimelineAsync(RunId, limit, token), timeout, cancellationToken);

    /// <summary>
    /// A page of the run's log lines in time order (of one time, in the order they came). <paramref name="level"/> means that level and above (<c>warn</c>: warn
    /// and error); <paramref name="cursor"/> is the previous page's <see cref="RunLogPage.NextCursor"/>, or
    /// <paramref name="offset"/> skips that many matching lines (a jump into the middle; not with a cursor). The first
    /// page says how many lines match in all (<see cref="RunLogPage.Total"/>).
    /// </summary>
    public Task<RunLogPage> LogsAsync(string? level = null, string? stepId = null, int? attempt = null, int? loopIndex = null, string? text = null,
        string? cursor = null, int? limit = null, long? offset = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _client.CallAsync(token => _client.Api.GetLogsAsync(RunId, level, stepId, attempt, loopIndex, text, cursor, limit, offset, token), timeout, cancellationToken);

    /// <summary>This run (left) against <paramref name="otherRunId"/> (right): steps aligned, the first divergence, deltas.</summary>
    public Task<Dashboard.Model.Comparing.RunComparison> CompareWithAsync(string otherRunId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _client.CallAsync(token => _client.Api.CompareRunsAsync(RunId, otherRunId, token), timeout, cancellationToken);

    public Task<IReadOnlyList<RunRecord>> ChildrenAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _client.CallAsync(token => _client.Api.GetChildrenAsync(RunId, token), timeout, cancellationToken);

    /// <summary>
    /// The run and the runs it started, <paramref name="depth"/> levels down (1-5; the service's default, 2, when null):
    /// each node says how many children it has, also those beyond the depth read.
    /// </summary>
    public Task<RunTreeNode> TreeAsync(int? depth = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _client.CallAsync(token => _client.Api.GetTreeAsync(RunId, depth, token), timeout, cancellationToken);

    /// <summary>
    /// Asks the run's engine to act (<see cref="Model.Control.ControlActions"/>): appended to the workflow's control
    /// stream, answered with the request's id and offset. The engine reports the outcome as run events carrying the id;
    /// <see cref="ControlAsync"/> shows where each request stands. The same <paramref name="idempotencyKey"/> sent again
    /// returns the first request. <paramref name="actingFor"/> names the person asking (a dashboard's signed-in user).
    /// </summary>
    public Task<Model.Control.ActionAccepted> RequestAsync(string action, object? input = null, string? stepId = null, string? reason = null,
        string? idempotencyKey = null, string? actingFor = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(action);
        var body = new Model.Control.ActionRequest
        {
            Action = action,
            Input = input is null ? null : input as System.Text.Json.JsonElement? ?? System.Text.Json.JsonSerializer.SerializeToElement(input, Model.Json.ModelJson.Options),
            StepId = stepId,
            Reason = reason,
        };
        return _client.CallAsync(token => _client.Api.PostActionAsync(RunId, body, idempotencyKey, actingFor, token), timeout, cancellationToken);
    }

    /// <summary>The run's control requests, oldest first, each pending, done (with the engine's outcome) or expired.</summary>
    public Task<IReadOnlyList<Model.Control.ControlRequestState>> ControlAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _client.CallAsync(token => _client.Api.GetControlAsync(RunId, token), timeout, cancellationToken);

    /// <summary>Cost, tokens and time of the run and its children, every attempt counted once (computed by the service).</summary>
    public Task<FamilyRollup> RollupAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _client.CallAsync(token => _client.Api.GetRollupAsync(RunId, token), timeout, cancellationToken);

    /// <summary>
    /// A catch-up read of the run's events: from <paramref name="offset"/> (<c>-1</c> the start, or an offset a previous
    /// read returned), or the last <paramref name="tail"/> events.
    /// </summary>
    public Task<StreamPage<RunEvent>> EventsAsync(string offset = "-1", int? tail = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _client.CallAsync(async token =>
        {
            using var response = await _client.Api.GetEventsAsync(RunId, offset, tail, null, null, token).ConfigureAwait(false);
            if (await ApiErrorMapper.FromResponseAsync(response, token).ConfigureAwait(false) is { } error)
            {
                throw error;
            }
            var body = await response.Content.ReadAsByteArrayAsync(token).ConfigureAwait(false);
            var parsed = RunEventParser.ParseBatch(body, EventSource.Stream);
            return new StreamPage<RunEvent>(
                parsed.IsValid ? parsed.Events : [],
                StreamFollower.Header(response, "Stream-Next-Offset") ?? offset,
                StreamFollower.Header(response, "Stream-Up-To-Date") == "true",
                StreamFollower.Header(response, "Stream-Closed") == "true");
        }, timeout, cancellationToken);

    /// <summary>
    /// The run's events as they happen: replays from <paramref name="offset"/>, then follows the live stream until the
    /// run ends. After a dropped connection or a service restart it resumes from the last event, with backoff; no event
    /// is yielded twice. Each event carries its <see cref="RunEvent.Offset"/>.
    /// </summary>
    public async IAsyncEnumerable<RunEvent> LiveTraceAsync(string offset = "-1", LiveOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var index = 0;
        await foreach (var (item, _) in StreamFollower.FollowAsync(
            _client.Scoped((from, live, cursor, token) => _client.Api.GetEventsAsync(RunId, from, null, live, cursor, token)), offset, "offset", options ?? LiveOptions.Default, cancellationToken).ConfigureAwait(false))
        {
            var (parsed, rejection) = RunEventParser.ParseOne(item, index++);
            if (parsed is null)
            {
                throw new RunsClientException($"The service sent an event this client cannot read: {rejection}");
            }
            yield return parsed;
            if (parsed.IsTerminal)
            {
                yield break;
            }
        }
    }
}
