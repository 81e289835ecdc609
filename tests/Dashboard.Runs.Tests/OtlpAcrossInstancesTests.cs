using System.Net;
using System.Text;
using System.Text.Json;
using Dashboard.Testing;

namespace Dashboard.Runs.Tests;

/// <summary>
/// OTLP where a trace's spans and its log records do not reach the same process: two instances on one PostgreSQL
/// database (an SDK's log and span exporters each keep a connection of their own, which a balancer may send apart), and
/// one instance restarted between them. The step each span became, and a run's end held for late records, are in the
/// store, not only in the memory of the instance that took the spans.
/// </summary>
public sealed class OtlpAcrossInstancesTests(TwoInstancesFixture instances) : IClassFixture<TwoInstancesFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private const string Service = """{"key":"service.name","value":{"stringValue":"split-exporters"}}""";

    [Fact]
    public async Task RecordsSentToOneInstance_BeforeAndAfterTheSpansSentToTheOther_AreLinesOfTheirSteps_OrOfTheRun()
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var now = DateTimeOffset.UtcNow.AddSeconds(-2).ToUnixTimeMilliseconds() * 1_000_000;

        // Before the spans: B holds them (no instance knows their spans yet); the second names a span that never comes.
        await PostAsync(instances.HttpB, "v1/logs", Logs(traceId, now, ("planning", 1_000_000, "00000000000000b2"), ("from a span never sent", 8_500_000, "00000000000000c9")));
        await PostAsync(instances.HttpA, "v1/traces", Spans(traceId, now));
        // After the spans (and their root): B finds where they went in the store, and the run is still open to it.
        await PostAsync(instances.HttpB, "v1/logs", Logs(traceId, now, ("plan ready", 4_000_000, "00000000000000b2"), ("answered", 8_000_000, "00000000000000a1")));

        var run = await instances.HttpB.GetEndedRunAsync(traceId);
        Assert.Equal("completed", run.GetProperty("status").GetString());
        foreach (var http in new[] { instances.HttpA, instances.HttpB })
        {
            var lines = (await http.GetJsonAsync($"api/runs/{traceId}/logs")).GetProperty("items").EnumerateArray()
                .Select(l => (l.GetProperty("message").GetString(), l.TryGetProperty("stepId", out var step) ? step.GetString() : null));
            // The one whose span never came is a line of the run, put in by B before A appended the run's end.
            Assert.Equal([("planning", "plan"), ("plan ready", "plan"), ("answered", null), ("from a span never sent", null)], lines);
        }
    }

    [Fact]
    public async Task ARunsHeldEnd_AndItsSpans_OutliveARestart()
    {
        // Held long enough for a slow machine to restart the service and send the second record before the end is due.
        string[] arguments = ["--Streams:DatabasePath", "{data}/runs.db", "--Runs:OtlpEndGraceMs", "20000", "--Logging:LogLevel:Default", "Warning"];
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var now = DateTimeOffset.UtcNow.AddSeconds(-2).ToUnixTimeMilliseconds() * 1_000_000;
        await using var first = await AppProcess.StartAsync("Dashboard.Runs", arguments);
        using (var http = new HttpClient { BaseAddress = first.BaseAddress })
        {
            await PostAsync(http, "v1/logs", Logs(traceId, now, ("planning", 1_000_000, "00000000000000b2")));
            await PostAsync(http, "v1/traces", Spans(traceId, now));
            Assert.Equal("running", (await http.GetJsonAsync($"api/runs/{traceId}")).GetProperty("status").GetString());
        }
        Assert.Equal(0, await first.StopGracefullyAsync(TimeSpan.FromSeconds(30)));

        await using var second = await AppProcess.StartAsync("Dashboard.Runs", arguments, dataDirectory: first.DataDirectory);
        using var reader = new HttpClient { BaseAddress = second.BaseAddress };
        // This process never saw the spans: the store says which step the record's span became.
        await PostAsync(reader, "v1/logs", Logs(traceId, now, ("plan ready", 4_000_000, "00000000000000b2")));

        var run = await reader.GetEndedRunAsync(traceId);
        Assert.Equal("completed", run.GetProperty("status").GetString());
        var lines = (await reader.GetJsonAsync($"api/runs/{traceId}/logs")).GetProperty("items").EnumerateArray()
            .Select(l => (l.GetProperty("message").GetString(), l.GetProperty("stepId").GetString()));
        Assert.Equal([("planning", "plan"), ("plan ready", "plan")], lines);

        // Ended, the run takes no more lines: its spans and held end are not kept (the table holds open runs' only).
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(second.DataDirectory, "runs.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = $"SELECT (SELECT count(*) FROM otlp_spans WHERE trace_id = '{traceId}') + (SELECT count(*) FROM otlp_run_ends WHERE trace_id = '{traceId}')";
        Assert.Equal(0L, (long)count.ExecuteScalar()!);
    }

    [Fact]
    public async Task RecordsWaitingWhenTheServiceStops_AreParked_AndLandOnTheirStepsAfterTheRestart()
    {
        string[] arguments = ["--Streams:DatabasePath", "{data}/runs.db", "--Logging:LogLevel:Default", "Warning", "--Logging:LogLevel:Dashboard.Runs.Otlp", "Information"];
        await using var first = await AppProcess.StartAsync("Dashboard.Runs", arguments);
        await using var second = await StopWithRecordsWaitingAsync(first, () => AppProcess.StartAsync("Dashboard.Runs", arguments, dataDirectory: first.DataDirectory));
    }

    [Fact]
    public async Task RecordsWaitingWhenAnInstanceStops_AreTakenByAnother_OnPostgreSql()
    {
        string[] arguments = ["--Storage:Provider", "PostgreSql", "--ConnectionStrings:Runs", await SharedPostgres.NewDatabaseAsync("parked"),
            "--Logging:LogLevel:Default", "Warning", "--Logging:LogLevel:Dashboard.Runs.Otlp", "Information"];
        await using var other = await AppProcess.StartAsync("Dashboard.Runs", arguments);
        await using var first = await AppProcess.StartAsync("Dashboard.Runs", arguments);
        await StopWithRecordsWaitingAsync(first, () => Task.FromResult(other));
    }

    /// <summary>
    /// Two records of a run in flight wait in <paramref name="first"/> for spans it will never see (an SDK exports a
    /// trace's spans when they end); it stops (a deploy); the spans come to <paramref name="next"/>, and the records are
    /// lines of their step and of the run there. Returns the next instance.
    /// </summary>
    private static async Task<AppProcess> StopWithRecordsWaitingAsync(AppProcess first, Func<Task<AppProcess>> next)
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var now = DateTimeOffset.UtcNow.AddSeconds(-2).ToUnixTimeMilliseconds() * 1_000_000;
        using (var http = new HttpClient { BaseAddress = first.BaseAddress })
        {
            await PostAsync(http, "v1/logs", Logs(traceId, now, ("planning", 1_000_000, "00000000000000b2"), ("<script>done</script>", 8_000_000, "00000000000000a1")));
        }
        Assert.Equal(0, await first.StopGracefullyAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(first.Output, line => line.Contains("2 record(s) still waiting for their spans parked", StringComparison.Ordinal));

        var instance = await next();
        using var reader = new HttpClient { BaseAddress = instance.BaseAddress };
        await PostAsync(reader, "v1/traces", Spans(traceId, now));
        var run = await reader.GetEndedRunAsync(traceId);
        Assert.Equal("completed", run.GetProperty("status").GetString());
        var lines = (await reader.GetJsonAsync($"api/runs/{traceId}/logs")).GetProperty("items").EnumerateArray()
            .Select(l => (l.GetProperty("message").GetString(), l.TryGetProperty("stepId", out var step) ? step.GetString() : null));
        Assert.Equal([("planning", "plan"), ("<script>done</script>", null)], lines);
        return instance;
    }

    private static string Logs(string traceId, long now, params (string Message, long At, string Span)[] lines)
    {
        var records = string.Join(",", lines.Select(l =>
            $$"""{"timeUnixNano":"{{now + l.At}}","body":{"stringValue":"{{l.Message}}"},"traceId":"{{traceId}}","spanId":"{{l.Span}}"}"""));
        return $$"""{"resourceLogs":[{"resource":{"attributes":[{{Service}}]},"scopeLogs":[{"logRecords":[{{records}}]}]}]}""";
    }

    // A step's span and the root's, in one export: the run is made and ended by it.
    private static string Spans(string traceId, long now) => $$$"""
        {"resourceSpans":[{"resource":{"attributes":[{{{Service}}}]},"scopeSpans":[{"spans":[
            {"traceId":"{{{traceId}}}","spanId":"00000000000000b2","parentSpanId":"00000000000000a1","name":"plan",
             "startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + 5_000_000}}}"},
            {"traceId":"{{{traceId}}}","spanId":"00000000000000a1","name":"split-flow",
             "startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + 9_000_000}}}"}]}]}]}
        """;

    private static async Task PostAsync(HttpClient http, string path, string json)
    {
        using var response = await http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), Token);
        var body = await response.Content.ReadAsStringAsync(Token);
        Assert.True(response.StatusCode == HttpStatusCode.OK && !body.Contains("partialSuccess", StringComparison.Ordinal), $"{path}: {body}");
    }
}
