using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dashboard.Testing;

namespace Dashboard.Runs.Tests;

/// <summary>The runs service as its own process on a loopback port with a fresh SQLite file; a small snapshot limit.</summary>
public class RunsServiceFixture : IAsyncLifetime
{
    public const int SnapshotLimit = 2048;

    public AppProcess Service { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    protected virtual IEnumerable<string> Arguments =>
    [
        "--Streams:DatabasePath", "{data}/runs.db",
        "--Streams:LongPollTimeoutMs", "3000",
        "--Runs:SnapshotLimitBytes", SnapshotLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--Logging:LogLevel:Default", "Warning",
    ];

    /// <summary>Where the service keeps its data: the SQLite file given in <see cref="Arguments"/> unless overridden.</summary>
    protected virtual Task<IEnumerable<string>> StorageArgumentsAsync() => Task.FromResult<IEnumerable<string>>([]);

    public async ValueTask InitializeAsync()
    {
        Service = await AppProcess.StartAsync("Dashboard.Runs", [.. Arguments, .. await StorageArgumentsAsync()]);
        Http = new HttpClient { BaseAddress = Service.BaseAddress };
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Service.DisposeAsync();
    }
}

/// <summary>
/// The same service on a PostgreSQL database of its own (on the assembly's shared test server). A search reads the
/// newest 3 documents in order before it asks the text index (10,000 in service), so that the tests' few documents
/// take both ways and the seam between them.
/// </summary>
public sealed class PostgreSqlRunsServiceFixture : RunsServiceFixture
{
    protected override async Task<IEnumerable<string>> StorageArgumentsAsync() =>
        ["--Storage:Provider", "PostgreSql", "--ConnectionStrings:Runs", await SharedPostgres.NewDatabaseAsync("runs"), "--Search:NewestWindow", "3"];
}

/// <summary>The two stores a service can run on, for tests written once for both.</summary>
public static class Stores
{
    public static TheoryData<string> Both => ["sqlite", "postgresql"];

    /// <summary>The service's settings for <paramref name="store"/>: a SQLite file in its data directory, or a fresh PostgreSQL database.</summary>
    public static async Task<string[]> ArgumentsAsync(string store) => store == "sqlite"
        ? ["--Streams:DatabasePath", "{data}/runs.db"]
        : ["--Storage:Provider", "PostgreSql", "--ConnectionStrings:Runs", await SharedPostgres.NewDatabaseAsync(store)];
}

/// <summary>Terse helpers for the API as an engine and a reader use it.</summary>
internal static class Api
{
    private static long _clock = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    /// <summary>A unique, increasing timestamp: each call is one second after the previous one.</summary>
    public static string Time() => DateTimeOffset.FromUnixTimeSeconds(Interlocked.Increment(ref _clock)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

    public static string NewRunId(string prefix = "run") => $"{prefix}-{Guid.NewGuid():N}";

    public static async Task<HttpResponseMessage> PostEventsAsync(this HttpClient http, string runId, string json, Action<HttpRequestHeaders>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/runs/{Uri.EscapeDataString(runId)}/events")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        headers?.Invoke(request.Headers);
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>The idempotent-producer headers of one batch.</summary>
    public static Action<HttpRequestHeaders> Producer(string id, long epoch, long seq) => headers =>
    {
        headers.Add("Producer-Id", id);
        headers.Add("Producer-Epoch", epoch.ToString(System.Globalization.CultureInfo.InvariantCulture));
        headers.Add("Producer-Seq", seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
    };

    public static async Task PostOkAsync(this HttpClient http, string runId, string json)
    {
        var response = await http.PostEventsAsync(runId, json);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient http, string url)
    {
        var response = await http.GetAsync(url, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>
    /// The run's record once it has ended. A run made from the spans of a service that sends log records ends a few
    /// seconds after its root span came (its end is held for the records that service sends late: OtlpRunEnds).
    /// </summary>
    public static async Task<JsonElement> GetEndedRunAsync(this HttpClient http, string runId)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            var run = await http.GetJsonAsync($"api/runs/{runId}");
            if (run.GetProperty("status").GetString() is not ("running" or "waiting"))
            {
                return run;
            }
            Assert.True(DateTimeOffset.UtcNow < deadline, $"Run {runId} had not ended after 60 s: {run}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    public static async Task<(int Status, JsonElement Body)> GetErrorAsync(this HttpClient http, string url)
    {
        var response = await http.GetAsync(url, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, JsonDocument.Parse(body).RootElement.Clone());
    }

    public static string Started(string workflowId = "wf-invoices", string? extra = null) =>
        $$"""{"type":"run_started","timestamp":"{{Time()}}","workflowId":"{{workflowId}}","workflowName":"Invoice approval","triggerType":"api"{{(extra is null ? "" : "," + extra)}}}""";

    public static string StepStarted(string stepId, int attempt = 1, int? loopIndex = null, string? input = null) =>
        $$"""{"type":"step_started","timestamp":"{{Time()}}","stepId":"{{stepId}}","attempt":{{attempt}}{{Loop(loopIndex)}}{{(input is null ? "" : ",\"input\":" + input)}}}""";

    public static string StepCompleted(string stepId, int attempt = 1, int? loopIndex = null, string? output = null, string? cost = null, string? model = null) =>
        $$"""{"type":"step_completed","timestamp":"{{Time()}}","stepId":"{{stepId}}","attempt":{{attempt}}{{Loop(loopIndex)}}{{(output is null ? "" : ",\"output\":" + output)}}{{(cost is null ? "" : $",\"costUsd\":\"{cost}\",\"tokens\":{{\"prompt\":100,\"cached\":40,\"completion\":20}}")}}{{(model is null ? "" : $",\"modelUsed\":\"{model}\"")}}}""";

    public static string StepFailed(string stepId, int attempt = 1, string message = "upstream 502", bool willRetry = true, int? loopIndex = null) =>
        $$$"""{"type":"step_failed","timestamp":"{{{Time()}}}","stepId":"{{{stepId}}}","attempt":{{{attempt}}}{{{Loop(loopIndex)}}},"willRetry":{{{(willRetry ? "true" : "false")}}},"error":{"code":"E_UPSTREAM","message":"{{{message}}}"}}""";

    public static string RunFailed(string message = "payment failed") =>
        $$$"""{"type":"run_failed","timestamp":"{{{Time()}}}","error":{"message":"{{{message}}}"}}""";

    public static string RunCompleted() => $$$"""{"type":"run_completed","timestamp":"{{{Time()}}}","result":{"approved":true}}""";

    public static string Batch(params string[] events) => "[" + string.Join(",", events) + "]";

    private static string Loop(int? loopIndex) => loopIndex is null ? "" : $",\"loopIndex\":{loopIndex}";
}
