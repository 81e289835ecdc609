using Dashboard.Client;
using Dashboard.Client.Api;
using Dashboard.Model.Events;
using Dashboard.Model.Insights;
using Dashboard.Model.Runs;

namespace Dashboard.Web.Tests;

/// <summary>A hand-written stand-in for the runs service: answers with the next queued result, records the queries.</summary>
public sealed class FakeRunsClient : IRunsClient
{
    private readonly Queue<Func<RunsQuery, CancellationToken, Task<RunsPage>>> _answers = new();

    public List<RunsQuery> Queries { get; } = [];

    public FakeRunsClient Returns(RunsPage page) => Then((_, _) => Task.FromResult(page));

    public FakeRunsClient Throws(Exception exception) => Then((_, _) => Task.FromException<RunsPage>(exception));

    public FakeRunsClient Then(Func<RunsQuery, CancellationToken, Task<RunsPage>> answer)
    {
        _answers.Enqueue(answer);
        return this;
    }

    public Task<RunsPage> ListRunsAsync(RunsQuery query, CancellationToken cancellationToken = default)
    {
        Queries.Add(query);
        // The last answer repeats, so a test sets only what differs.
        var answer = _answers.Count > 1 ? _answers.Dequeue() : _answers.Count == 1 ? _answers.Peek() : (_, _) => Task.FromResult(RunsPage.Empty);
        return answer(query, cancellationToken);
    }

    public IRunsClient ForWorkflows(IEnumerable<string> workflows)
    {
        Scopes.Add([.. workflows]);
        return this;
    }

    public FakeInsightsReader FakeInsights { get; } = new();

    public IInsightsReader Insights => FakeInsights;

    /// <summary>The workflow scopes a page asked for.</summary>
    public List<string[]> Scopes { get; } = [];

    // The pages under test only list runs; anything else would be a test asking for the wrong page.
    public RunProxy Run(string runId) => throw new NotSupportedException();

    public IAsyncEnumerable<RunsPage> ListAllRunsAsync(RunsQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public RunFacets Facets { get; set; } = new([], []);

    public Task<RunFacets> FacetsAsync(CancellationToken cancellationToken = default) => Task.FromResult(Facets);

    /// <summary>The workflow searches asked for (a picker's typing).</summary>
    public List<(string? Search, int? Limit)> FacetSearches { get; } = [];

    public Task<RunFacets> FacetsAsync(string? workflowSearch, int? workflowLimit, CancellationToken cancellationToken = default)
    {
        FacetSearches.Add((workflowSearch, workflowLimit));
        var (found, total) = WorkflowFacetSearch.Over(Facets.Workflows, workflowSearch, workflowLimit);
        return Task.FromResult(Facets with { Workflows = found, TotalWorkflows = total });
    }

    public IAsyncEnumerable<Dashboard.Model.Control.ControlRequest> FollowControlAsync(string workflowId, string offset = "-1", LiveOptions? live = null,
        CancellationToken cancellationToken = default) => throw new NotSupportedException("The pages under test do not follow control streams.");

    /// <summary>The searches asked for, and what they answer (nothing found unless a test says).</summary>
    public List<string> Searches { get; } = [];

    public Dashboard.Model.Search.SearchPage SearchAnswer { get; set; } = new([], null);

    public Task<Dashboard.Model.Search.SearchPage> SearchAsync(string text, string? workflowId = null, DateTimeOffset? from = null, DateTimeOffset? to = null,
        string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        Searches.Add(text);
        return Task.FromResult(SearchAnswer);
    }

    public List<RunChange> Recent { get; } = [];

    public Task<IReadOnlyList<RunChange>> RecentChangesAsync(int count = 50, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<RunChange>>(Recent.TakeLast(count).ToList());

    public IAsyncEnumerable<RunChange> LiveFeedAsync(string offset = "now", LiveOptions? options = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<string> FeedTailAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<(IReadOnlyList<Execution> Executions, string? NextCursor)> ListExecutionsAsync(string workflowId, string? cursor = null, int limit = 50, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<Execution> GetExecutionAsync(string workflowId, string runId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IngestResult> ReportAsync(string runId, IReadOnlyList<RunEvent> events, ProducerHeaders? producer = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}

/// <summary>Answers the insights reads with what a test set, and records the ranges asked for.</summary>
public sealed class FakeInsightsReader : IInsightsReader
{
    public static InsightsSummary EmptySummary(InsightsRange range) => new()
    {
        From = range.From,
        To = range.To,
        ByStatus = new Dictionary<string, long>(),
        DurationMs = new DurationPercentiles(null, null, null),
        Tokens = new TokenTotals(0, 0, 0),
    };

    public Func<InsightsRange, InsightsSummary> Summary { get; set; } = EmptySummary;
    public IReadOnlyList<InsightsBucket> Buckets { get; set; } = [];
    public IReadOnlyList<FailureGroup> Groups { get; set; } = [];
    public IReadOnlyList<WorkflowHealth> Workflows { get; set; } = [];
    public IReadOnlyList<StepHealth> Steps { get; set; } = [];
    public IReadOnlyList<ModelUsage> Models { get; set; } = [];
    public Exception? Failure { get; set; }
    public List<(string Call, InsightsRange Range)> Calls { get; } = [];

    private Task<T> Answer<T>(string call, InsightsRange range, Func<T> answer)
    {
        lock (Calls)
        {
            Calls.Add((call, range));
        }
        return Failure is { } failure ? Task.FromException<T>(failure) : Task.FromResult(answer());
    }

    public Task<InsightsSummary> SummaryAsync(InsightsRange range, CancellationToken cancellationToken = default) => Answer("summary", range, () => Summary(range));

    public Task<InsightsTimeseries> TimeseriesAsync(InsightsRange range, string? bucket = null, CancellationToken cancellationToken = default) =>
        Answer("timeseries", range, () => new InsightsTimeseries(bucket ?? "hour", Buckets));

    public Task<WorkflowHealthList> WorkflowsAsync(InsightsRange range, CancellationToken cancellationToken = default) =>
        WorkflowsAsync(range, null, null, null, cancellationToken);

    /// <summary>The order the last workflows read asked for (column, descending).</summary>
    public (string? Sort, bool? Descending) LastWorkflowsOrder { get; private set; }

    // As the service answers: the period's workflows sorted, the first limit (200 by default) kept, the total said.
    public Task<WorkflowHealthList> WorkflowsAsync(InsightsRange range, string? sort, bool? descending, int? limit, CancellationToken cancellationToken = default) =>
        Answer("workflows", range, () =>
        {
            LastWorkflowsOrder = (sort, descending);
            var shown = Workflows.Where(w => range.WorkflowId is null || w.WorkflowId == range.WorkflowId).ToList();
            var sorted = HealthOrders.Workflows.Sort(shown, sort, descending ?? (sort is null || HealthOrders.Workflows.DescendingFirst(sort)));
            return new WorkflowHealthList([.. sorted.Take(limit ?? 200)]) { TotalWorkflows = shown.Count };
        });

    public Task<FailureGroupList> FailuresAsync(InsightsRange range, int? limit = null, CancellationToken cancellationToken = default) =>
        Answer("failures", range, () => new FailureGroupList(Groups));

    /// <summary>The signatures looked up one by one (the executions list naming the group it lists).</summary>
    public List<string> GroupLookups { get; } = [];

    public Task<FailureGroup?> FailureGroupAsync(string signature, CancellationToken cancellationToken = default)
    {
        lock (GroupLookups)
        {
            GroupLookups.Add(signature);
        }
        return Failure is { } failure ? Task.FromException<FailureGroup?>(failure) : Task.FromResult(Groups.FirstOrDefault(g => g.Signature == signature));
    }

    public Task<StepHealthList> StepsAsync(InsightsRange range, CancellationToken cancellationToken = default) =>
        StepsAsync(range, null, null, null, cancellationToken);

    /// <summary>The order the last steps read asked for (column, descending).</summary>
    public (string? Sort, bool? Descending) LastStepsOrder { get; private set; }

    // As the service answers: every step sorted, the first limit (200 by default) kept, the total said.
    public Task<StepHealthList> StepsAsync(InsightsRange range, string? sort, bool? descending, int? limit, CancellationToken cancellationToken = default) =>
        Answer("steps", range, () =>
        {
            LastStepsOrder = (sort, descending);
            return new StepHealthList([.. HealthOrders.Steps.Sort(Steps, sort, descending ?? (sort is null || HealthOrders.Steps.DescendingFirst(sort))).Take(limit ?? 200)])
            {
                TotalSteps = Steps.Count,
                // As the service counts them: by the hour, from the hour the period starts in.
                CountedFrom = new DateTimeOffset(range.From.UtcDateTime.Date.AddHours(range.From.UtcDateTime.Hour), TimeSpan.Zero),
                CountedTo = new DateTimeOffset(range.To.UtcDateTime.Date.AddHours(range.To.UtcDateTime.Hour + 1), TimeSpan.Zero),
            };
        });

    public Task<ModelUsageList> ModelsAsync(InsightsRange range, CancellationToken cancellationToken = default) =>
        Answer("models", range, () => new ModelUsageList(Models));
}
