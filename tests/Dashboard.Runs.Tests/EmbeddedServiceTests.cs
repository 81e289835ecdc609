using System.Net;
using System.Text;
using System.Text.Json;
using Dashboard.Testing;
using Microsoft.Data.Sqlite;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary>The standalone service and the dashboard's embedded one (the README's run command), both in Production.</summary>
public sealed class EmbeddedAndStandalone : IAsyncLifetime
{
    public AppProcess Standalone { get; private set; } = null!;
    public AppProcess Embedded { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Standalone = await AppProcess.StartAsync("Dashboard.Runs",
            ["--environment", "Production", "--Streams:DatabasePath", "{data}/runs.db", "--Logging:LogLevel:Default", "Warning", .. OtlpGrpc.Arguments]);
        Embedded = await AppProcess.StartAsync("Dashboard",
            ["--environment", "Production", "--Storage:DataDirectory", "{data}", "--SampleWorkload:Enabled", "false", "--Logging:LogLevel:Default", "Warning", .. OtlpGrpc.Arguments]);
    }

    public async ValueTask DisposeAsync()
    {
        await Standalone.DisposeAsync();
        await Embedded.DisposeAsync();
    }
}

/// <summary>
/// The runs service's routes answer the same from the embedded dashboard as from the standalone service: status,
/// content type and the JSON envelope, untouched by the dashboard's not-found and error pages.
/// </summary>
public sealed class EmbeddedServiceTests(EmbeddedAndStandalone apps) : IClassFixture<EmbeddedAndStandalone>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<(int Status, string? ContentType, string Body)> SendAsync(AppProcess app, HttpMethod method, string path, string? json = null, string? forkOf = null)
    {
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        using var request = new HttpRequestMessage(method, path);
        if (forkOf is not null)
        {
            request.Headers.Add("Stream-Forked-From", forkOf);
        }
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        using var response = await http.SendAsync(request, Token);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync(Token));
    }

    [Fact]
    public async Task ErrorsOfTheApiAndTheStreams_AreTheSameFromBothDeployments()
    {
        var stream = $"v1/stream/embedded-check-{Guid.NewGuid():N}";
        // A source with a fork is only soft-deleted: reading it then is 410 Gone, with no body.
        var source = $"v1/stream/embedded-source-{Guid.NewGuid():N}";
        var fork = $"v1/stream/embedded-fork-{Guid.NewGuid():N}";
        (HttpMethod Method, string Path, string? Body, string? ForkOf)[] requests =
        [
            (HttpMethod.Put, source, null, null),
            (HttpMethod.Put, fork, null, "/" + source),
            (HttpMethod.Delete, source, null, null),
            (HttpMethod.Get, source, null, null),
            (HttpMethod.Head, source, null, null),
            (HttpMethod.Get, "api/no-such-route", null, null),
            (HttpMethod.Get, "api/runs/no-such-run", null, null),
            (HttpMethod.Get, "api/runs/no-such-run/trace", null, null),
            (HttpMethod.Get, "v1/runs/no-such-run", null, null),
            (HttpMethod.Post, "api/runs/r-1/events", "{not json", null),
            (HttpMethod.Get, "api/runs?limit=0", null, null),
            (HttpMethod.Get, "v1/stream/no-such-stream", null, null),
            (HttpMethod.Put, stream, null, null),
            (HttpMethod.Delete, stream, null, null),
            (HttpMethod.Get, stream, null, null),
            (HttpMethod.Head, stream, null, null),
        ];

        foreach (var (method, path, body, forkOf) in requests)
        {
            var standalone = await SendAsync(apps.Standalone, method, path, body, forkOf);
            var embedded = await SendAsync(apps.Embedded, method, path, body, forkOf);

            Assert.True(standalone.Status == embedded.Status, $"{method} {path}: standalone {standalone.Status}, embedded {embedded.Status} ({embedded.Body[..Math.Min(200, embedded.Body.Length)]})");
            Assert.Equal(standalone.ContentType, embedded.ContentType);
            Assert.DoesNotContain("<html", embedded.Body, StringComparison.OrdinalIgnoreCase);
            if (standalone.ContentType == "application/json" && standalone.Status >= 400)
            {
                Assert.Equal(Code(standalone.Body), Code(embedded.Body));
            }
        }
    }

    [Fact]
    public async Task AnUnhandledFailureOfAnApiRoute_IsTheInternalErrorEnvelope_NotThePagesErrorPage()
    {
        var runId = NewRunId();
        using var http = new HttpClient { BaseAddress = apps.Embedded.BaseAddress };
        await http.PostOkAsync(runId, Batch(Started()));
        // A projection row the service cannot read (a disk fault, a bad migration): reading it throws inside the route.
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(apps.Embedded.DataDirectory, "runs.db")};Pooling=False;Default Timeout=30"))
        {
            connection.Open();
            using var corrupt = connection.CreateCommand();
            corrupt.CommandText = "UPDATE runs SET record_json = '{\"id\": [' WHERE id = $id";
            corrupt.Parameters.AddWithValue("$id", runId);
            Assert.Equal(1, corrupt.ExecuteNonQuery());
        }

        foreach (var path in (string[])[$"api/runs/{runId}/trace", $"v1/runs/{runId}"])
        {
            var (status, contentType, body) = await SendAsync(apps.Embedded, HttpMethod.Get, path);

            Assert.Equal(500, status);
            Assert.Equal("application/json", contentType);
            Assert.Equal("INTERNAL_ERROR", Code(body));
        }
        // Pages keep their own error and not-found pages.
        var page = await SendAsync(apps.Embedded, HttpMethod.Get, "no-such-page");
        Assert.Equal((404, "text/html"), (page.Status, page.ContentType));
    }

    private static string? Code(string body) =>
        JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("code").GetString();

    [Fact]
    public async Task TheDashboard_StopsCleanlyWhenAsked()
    {
        await using var app = await AppProcess.StartAsync("Dashboard", ["--Storage:DataDirectory", "{data}", "--SampleWorkload:Enabled", "false"]);
        using (var http = new HttpClient { BaseAddress = app.BaseAddress })
        {
            await http.PostOkAsync(NewRunId(), Batch(Started()));
        }

        var exitCode = await app.StopGracefullyAsync(TimeSpan.FromSeconds(30));

        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{string.Join('\n', app.Output.TakeLast(20))}");
        Assert.DoesNotContain(app.Output, line => line.Contains("Unhandled exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NeitherDeployment_WatchesTheFolderItsDatabaseIsWrittenIn()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("Reads the process's handles from /proc.");
        }
        // Both run from their data directory (the standalone service's content root, its database under it): a watcher
        // there is woken by every page SQLite writes. Data written first, so that a watcher started lazily would show.
        foreach (var (name, app) in ((string, AppProcess)[])[("the runs service", apps.Standalone), ("the dashboard", apps.Embedded)])
        {
            using var http = new HttpClient { BaseAddress = app.BaseAddress };
            await http.PostOkAsync(NewRunId(), Batch(Started()));

            var watchers = Directory.GetFiles($"/proc/{app.ProcessId}/fd")
                .Select(fd => new FileInfo(fd).LinkTarget)
                .Count(target => target == "anon_inode:inotify");

            Assert.True(watchers == 0, $"{name}: {watchers} inotify handle(s) open");
        }
    }

    [Fact]
    public async Task OtlpOverGrpc_MakesTheRun_OnBothDeployments()
    {
        foreach (var (name, app) in ((string, AppProcess)[])[("the runs service", apps.Standalone), ("the dashboard", apps.Embedded)])
        {
            using var channel = OtlpGrpc.Channel(app);
            var traceId = OtlpGrpc.NewTraceId();
            var answer = await new Dashboard.Runs.Otlp.Wire.TraceService.TraceServiceClient(channel)
                .ExportAsync(OtlpGrpc.Trace(traceId), cancellationToken: Token);

            Assert.True(answer.PartialSuccess is null, $"{name}: {answer.PartialSuccess}");
            using var http = new HttpClient { BaseAddress = app.BaseAddress };
            var run = await http.GetJsonAsync($"api/runs/{traceId}");
            Assert.Equal(("completed", "grpc-flow"), (run.GetProperty("status").GetString(), run.GetProperty("workflowId").GetString()));
        }
    }
}
