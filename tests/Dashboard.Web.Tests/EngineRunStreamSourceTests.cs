using System.Text.Json;
using Dashboard.Client;
using Dashboard.Model.Events;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;
using Dashboard.Runs;
using Dashboard.Runs.Ingestion;
using Dashboard.Security;
using Dashboard.Services;
using Dashboard.Streams.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Dashboard.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Web.Tests;

/// <summary>
/// The embedded default's relay follows the runs' streams in-process (<see cref="EngineRunStreamSource"/>): its
/// subscribers must be given exactly what a relay following the same service over HTTP is given, offsets included.
/// The runs service is hosted in this test's process (real Kestrel on loopback), as the dashboard hosts it: on a SQLite
/// file, and on PostgreSQL with two instances, the events reported through the first and followed in the second's process.
/// </summary>
public abstract class EngineRunStreamSourceTests : IAsyncLifetime
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("engine-source-");
    private readonly List<WebApplication> _services = [];
    private ServiceProvider _overHttp = null!;
    private ServiceProvider _inProcess = null!;

    private static CancellationToken Token => Xunit.TestContext.Current.CancellationToken;

    /// <summary>The store's settings, and whether a second instance on the same store follows what the first is sent.</summary>
    protected abstract Task<(Dictionary<string, string?> Settings, bool SecondInstance)> StoreAsync(string dataDirectory);

    public async ValueTask InitializeAsync()
    {
        var (settings, secondInstance) = await StoreAsync(_data.FullName);
        var reported = await HostAsync(settings);
        var followed = secondInstance ? await HostAsync(settings) : reported;

        _overHttp = Clients(Address(reported));
        var inProcess = new ServiceCollection();
        inProcess.AddRunsClient((_, o) => o.BaseAddress = Address(followed));
        inProcess.AddSingleton<IRunStreamSource>(new EngineRunStreamSource(followed.Services.GetRequiredService<DurableStreamEngine>(), followed.Services.GetRequiredService<RunBatchHandoff>(), NullLogger<EngineRunStreamSource>.Instance));
        _inProcess = inProcess.BuildServiceProvider();
    }

    private async Task<WebApplication> HostAsync(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        // The repository's appsettings.json listens for OTLP/gRPC on 4317: a port of the system's choosing here, so that
        // this host does not take it from another test process running at the same time (or fail to).
        builder.Configuration["Runs:OtlpGrpcUrl"] = "http://127.0.0.1:0";
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddRunsService(builder.Configuration);
        var app = builder.Build();
        app.UseRunsService();
        app.MapRunsService();
        await app.StartAsync(Token);
        _services.Add(app);
        return app;
    }

    private static Uri Address(WebApplication app) => new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    private static ServiceProvider Clients(Uri address)
    {
        var services = new ServiceCollection();
        services.AddRunsClient((_, o) => o.BaseAddress = address);
        return services.BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        await _inProcess.DisposeAsync();
        await _overHttp.DisposeAsync();
        foreach (var app in _services)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        _data.Delete(recursive: true);
    }

    /// <summary>The hand-off of the instance the in-process relay follows.</summary>
    protected RunBatchHandoff Handoff => _services[^1].Services.GetRequiredService<RunBatchHandoff>();

    private IRunsClient Client => _overHttp.GetRequiredService<IRunsClient>();

    private static DateTimeOffset At(int second) => new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero).AddSeconds(second);

    private static readonly WorkflowAccess Everything = new(null);

    [Fact]
    public async Task ARunFollowedInProcess_IsDeliveredExactlyAsOverHttp_OffsetsIncluded()
    {
        using var overHttp = new RunStreamRelay(_overHttp, NullLogger<RunStreamRelay>.Instance);
        using var inProcess = new RunStreamRelay(_inProcess, NullLogger<RunStreamRelay>.Instance);
        await Client.ReportAsync("engine-1", [new RunStarted { Timestamp = At(0), WorkflowId = "wf", Input = Json("""{"q":"<script>alert(1)</script>"}""") }], cancellationToken: Token);
        var viaHttp = new List<RunEvent>();
        var viaEngine = new List<RunEvent>();
        using var a = await overHttp.SubscribeRunAsync("engine-1", "-1", Everything, Collect(viaHttp), Token);
        using var b = await inProcess.SubscribeRunAsync("engine-1", "-1", Everything, Collect(viaEngine), Token);

        for (var step = 0; step < 20; step++)
        {
            await Client.ReportAsync("engine-1",
            [
                new StepStarted { Timestamp = At(1 + step), StepId = $"s-{step}", Input = Json($$"""{"n":{{step}},"text":"ünï ✓"}""") },
                new StepCompleted { Timestamp = At(2 + step), StepId = $"s-{step}", Tokens = new TokenBreakdown { Prompt = 10, Completion = step }, CostUsd = 0.001m * step },
                new LogEvent { Timestamp = At(2 + step), Level = "info", Message = $"step {step} done", StepId = $"s-{step}" },
            ], cancellationToken: Token);
        }
        await Client.ReportAsync("engine-1", [new RunCompleted { Timestamp = At(30), Result = Json("""{"ok":true}""") }], cancellationToken: Token);

        await WaitUntilAsync(() => Count(viaHttp) >= 62 && Count(viaEngine) >= 62);
        Assert.Equal(62, Count(viaEngine));
        Assert.Equal(Wire(viaHttp), Wire(viaEngine));
        Assert.All(Snapshot(viaEngine), e => Assert.NotNull(e.Offset));
    }

    [Fact]
    public async Task EventsAppendedAnotherWay_BetweenHandedBatches_AreReadFromTheStore_InOrder()
    {
        using var overHttp = new RunStreamRelay(_overHttp, NullLogger<RunStreamRelay>.Instance);
        using var inProcess = new RunStreamRelay(_inProcess, NullLogger<RunStreamRelay>.Instance);
        // Reported to the instance the in-process relay follows (its batches are handed to that relay); the other writer
        // appends through the first instance (on PostgreSQL another process's instance: heard by NOTIFY, or by the gap).
        var followedClient = _inProcess.GetRequiredService<IRunsClient>();
        await followedClient.ReportAsync("engine-mixed", [new RunStarted { Timestamp = At(0), WorkflowId = "wf" }], cancellationToken: Token);
        var viaHttp = new List<RunEvent>();
        var viaEngine = new List<RunEvent>();
        using var a = await overHttp.SubscribeRunAsync("engine-mixed", "-1", Everything, Collect(viaHttp), Token);
        using var b = await inProcess.SubscribeRunAsync("engine-mixed", "-1", Everything, Collect(viaEngine), Token);

        var engine = _services[0].Services.GetRequiredService<DurableStreamEngine>();
        for (var i = 0; i < 10; i++)
        {
            await followedClient.ReportAsync("engine-mixed", [new LogEvent { Timestamp = At(1 + i), Level = "info", Message = $"reported {i}" }], cancellationToken: Token);
            // Stored by another writer: never handed to the relay.
            var raw = engine.Append(new AppendRequest
            {
                Path = RunStreams.PathOf("engine-mixed"),
                ContentType = StreamContentType.Json,
                Messages = [JsonSerializer.SerializeToUtf8Bytes<RunEvent>(new LogEvent { Timestamp = At(1 + i), Level = "warn", Message = $"appended {i}" }, ModelJson.Options)],
            });
            Assert.Equal(StreamStatus.NoContent, raw.Status);
        }
        await followedClient.ReportAsync("engine-mixed", [new RunCompleted { Timestamp = At(30) }], cancellationToken: Token);

        await WaitUntilAsync(() => Count(viaHttp) >= 22 && Count(viaEngine) >= 22);
        Assert.Equal(22, Count(viaEngine));
        Assert.Equal(Wire(viaHttp), Wire(viaEngine));
        Assert.Equal(Enumerable.Range(0, 10).SelectMany(i => new[] { $"reported {i}", $"appended {i}" }),
            Snapshot(viaEngine).OfType<LogEvent>().Select(e => e.Message));
    }

    [Fact]
    public async Task TheFeedFollowedInProcess_IsDeliveredExactlyAsOverHttp()
    {
        using var overHttp = new RunStreamRelay(_overHttp, NullLogger<RunStreamRelay>.Instance);
        using var inProcess = new RunStreamRelay(_inProcess, NullLogger<RunStreamRelay>.Instance);
        var viaHttp = new List<RunChange>();
        var viaEngine = new List<RunChange>();
        using var a = await overHttp.SubscribeFeedAsync(Everything, Collect(viaHttp), cancellationToken: Token);
        using var b = await inProcess.SubscribeFeedAsync(Everything, Collect(viaEngine), cancellationToken: Token);

        for (var run = 0; run < 5; run++)
        {
            await Client.ReportAsync($"engine-feed-{run}", [new RunStarted { Timestamp = At(run), WorkflowId = "wf-feed" }], cancellationToken: Token);
            await Client.ReportAsync($"engine-feed-{run}", [new RunFailed { Timestamp = At(run + 1), Error = new ErrorInfo { Message = "boom" } }], cancellationToken: Token);
        }

        await WaitUntilAsync(() => Count(viaHttp) >= 10 && Count(viaEngine) >= 10);
        Assert.Equal(Wire(viaHttp), Wire(viaEngine));
        Assert.All(Snapshot(viaEngine), change => Assert.NotNull(change.FeedOffset));
    }

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static Func<IReadOnlyList<T>, Task> Collect<T>(List<T> into) => items =>
    {
        lock (into)
        {
            into.AddRange(items);
        }
        return Task.CompletedTask;
    };

    private static int Count<T>(List<T> items)
    {
        lock (items)
        {
            return items.Count;
        }
    }

    private static List<T> Snapshot<T>(List<T> items)
    {
        lock (items)
        {
            return items.ToList();
        }
    }

    private static List<string> Wire<T>(List<T> items) => Snapshot(items).Select(item => JsonSerializer.Serialize(item, ModelJson.Options)).ToList();

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the relays");
            await Task.Delay(25, Token);
        }
    }
}

public sealed class EngineRunStreamSourceOnSqliteTests : EngineRunStreamSourceTests
{
    protected override Task<(Dictionary<string, string?> Settings, bool SecondInstance)> StoreAsync(string dataDirectory) =>
        Task.FromResult((new Dictionary<string, string?> { ["Streams:DatabasePath"] = Path.Combine(dataDirectory, "runs.db") }, false));

    [Fact]
    public async Task OnOneInstance_TheRelayTakesTheBatchesIngestionHandsIt()
    {
        await ARunFollowedInProcess_IsDeliveredExactlyAsOverHttp_OffsetsIncluded();
        Assert.True(Handoff.BatchesTaken > 0, "the relay read every batch from the store");
    }

    [Fact]
    public void TheEmbeddedDashboard_RegistersTheInProcessSource()
    {
        var data = Directory.CreateTempSubdirectory("engine-source-embedded-");
        try
        {
            var builder = WebApplication.CreateBuilder();
            builder.Configuration["Storage:DataDirectory"] = data.FullName;
            builder.AddDashboard();
            using var services = builder.Services.BuildServiceProvider();
            Assert.IsType<EngineRunStreamSource>(services.GetRequiredService<IRunStreamSource>());
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }
}

public sealed class EngineRunStreamSourceOnPostgreSqlTests : EngineRunStreamSourceTests
{
    protected override async Task<(Dictionary<string, string?> Settings, bool SecondInstance)> StoreAsync(string dataDirectory) =>
        (new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "PostgreSql",
            ["ConnectionStrings:Runs"] = await SharedPostgres.NewDatabaseAsync("engine_source"),
        }, true);
}
