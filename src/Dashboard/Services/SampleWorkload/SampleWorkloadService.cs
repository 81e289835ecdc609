using Dashboard.Client;
using Dashboard.Client.Errors;
using Dashboard.Model.Runs;

namespace Dashboard.Services.SampleWorkload;

/// <summary>
/// The embedded default's sample engine: on a fresh data directory it first reports a couple of hours of history, then
/// keeps starting workflows every few seconds, all through the public ingestion API, so every screen has data, live.
/// Switch off with <c>SampleWorkload:Enabled=false</c>.
/// </summary>
internal sealed partial class SampleWorkloadService(IServiceProvider services, IHostApplicationLifetime lifetime, ILogger<SampleWorkloadService> logger) : BackgroundService
{
    private const int MaxConcurrentRuns = 4;
    private readonly SemaphoreSlim _slots = new(MaxConcurrentRuns, MaxConcurrentRuns);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The client reaches the service through this process's own address, known once the server listens.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }
        var client = services.GetRequiredService<RunsClient>();
        var random = new Random();
        var backend = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Configuration.DashboardOptions>>().Value.Backend;
        using var tracer = new SampleTracer(BackendAddress.Resolve(backend, services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()), backend.ApiKey);
        // The sample is the engine of its workflows: it follows their control streams and acts on them.
        var control = new SampleControl(client, new Random(), logger);
        _ = control.FollowAsync(stoppingToken);
        try
        {
            await SeedHistoryAsync(client, random, tracer, stoppingToken);
        }
        catch (RunsClientException ex)
        {
            LogScenarioFailed(logger, "history", ex);
        }

        var live = new SampleScenarios(client, new LivePace(), random, control, tracer);
        var next = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            await _slots.WaitAsync(stoppingToken);
            var scenario = live.All[next++ % live.All.Count];
            _ = RunOneAsync(scenario, stoppingToken);
            await Task.Delay(TimeSpan.FromSeconds(random.Next(3, 8)), stoppingToken);
        }
    }

    private async Task SeedHistoryAsync(IRunsClient client, Random random, SampleTracer tracer, CancellationToken stoppingToken)
    {
        var existing = await client.ListRunsAsync(new RunsQuery { Limit = 1, IncludeCounts = false }, stoppingToken);
        if (existing.Items.Count > 0)
        {
            return;
        }
        var start = DateTimeOffset.UtcNow.AddHours(-2);
        for (var i = 0; i < 24; i++)
        {
            var pace = new SimulatedPace(start.AddMinutes(i * 5));
            var scenarios = new SampleScenarios(client, pace, random, tracer: tracer);
            await scenarios.All[i % scenarios.All.Count](stoppingToken);
        }
        LogSeeded(logger, 24);
    }

    private async Task RunOneAsync(Func<CancellationToken, Task<string>> scenario, CancellationToken stoppingToken)
    {
        try
        {
            await scenario(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (RunsClientException ex)
        {
            LogScenarioFailed(logger, scenario.Method.Name, ex);
        }
        finally
        {
            _slots.Release();
        }
    }

    public override void Dispose()
    {
        _slots.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sample workload: reported {Count} runs of history")]
    private static partial void LogSeeded(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sample workload: scenario {Scenario} could not be reported")]
    private static partial void LogScenarioFailed(ILogger logger, string scenario, Exception exception);
}
