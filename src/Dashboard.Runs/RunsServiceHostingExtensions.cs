using Dashboard.Model.Errors;
using Dashboard.Runs.Access;
using Dashboard.Runs.Api;
using Dashboard.Runs.Configuration;
using Dashboard.Runs.Endpoints;
using Dashboard.Runs.Ingestion;
using Dashboard.Runs.Insights;
using Dashboard.Runs.Projections;
using Dashboard.Runs.Storage;
using Dashboard.Streams.Core;
using Dashboard.Streams.Hosting;
using Dashboard.Streams.Http;
using Dashboard.Streams.Storage;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs;

/// <summary>The runs service, hostable alone (Program.cs) or inside the dashboard (the embedded default).</summary>
public static class RunsServiceHostingExtensions
{
    private const string TimeoutPolicy = "runs-api";

    /// <summary>
    /// Registers the runs service. Settings: <c>Storage</c> (provider), <c>Runs</c> (keys, limits) and <c>Streams</c>
    /// (the SQLite file, live reads).
    /// </summary>
    public static IServiceCollection AddRunsService(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRunsStorage(configuration);
        services.AddDurableStreams(configuration.GetSection("Streams"));
        services.AddOptions<RunsOptions>().Bind(configuration.GetSection("Runs"));
        services.AddSingleton<ApiKeyAccess>();
        services.AddSingleton<AccessCheck>();
        services.AddSingleton<IRunRowStore>(sp => new RunRowStore(sp.GetRequiredService<RunsDatabase>()));
        services.AddSingleton(sp => new InsightsOutbox(sp.GetRequiredService<RunsDatabase>(), sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<InsightsOutbox>>()));
        services.AddSingleton(sp => new RunQueries(sp.GetRequiredService<RunsDatabase>(), sp.GetRequiredService<IOptions<RunsOptions>>().Value.ModelFilterFewRuns));
        services.AddSingleton<InsightsQueries>();
        services.AddSingleton(_ => new Search.RecentBatches());
        services.AddSingleton(sp => new RunBatchHandoff(sp.GetRequiredService<DurableStreamEngine>().Notifier));
        services.AddSingleton(sp => new Search.SearchIndexer(sp.GetRequiredService<RunsDatabase>(), sp.GetRequiredService<DurableStreamEngine>(), sp.GetRequiredService<Search.RecentBatches>()));
        services.AddSingleton(sp => new Search.SearchQueries(sp.GetRequiredService<RunsDatabase>(), sp.GetRequiredService<Search.SearchIndexer>(), sp.GetRequiredService<IOptions<RunsOptions>>(), sp.GetRequiredService<ILogger<Search.SearchQueries>>()));
        services.AddSingleton(sp => new Control.ControlRequests(sp.GetRequiredService<RunsDatabase>(), sp.GetRequiredService<DurableStreamEngine>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton(sp => new RunStateCache(sp.GetRequiredService<DurableStreamEngine>(),
            RunStateCacheLimits.From(sp.GetRequiredService<IOptions<RunsOptions>>().Value), sp.GetRequiredService<ILogger<RunStateCache>>()));
        services.AddSingleton(sp => new RunIngestion(sp.GetRequiredService<DurableStreamEngine>(), sp.GetRequiredService<RunStateCache>(),
            sp.GetRequiredService<IRunRowStore>(), sp.GetRequiredService<Search.RecentBatches>(), sp.GetRequiredService<RunBatchHandoff>(),
            sp.GetRequiredService<IOptions<RunsOptions>>(), sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton(_ => new Otlp.OtlpTraceIndex());
        services.AddSingleton(sp => new Otlp.OtlpLogHold(sp.GetService<TimeProvider>() ?? TimeProvider.System,
            TimeSpan.FromSeconds(Math.Max(0, sp.GetRequiredService<IOptions<RunsOptions>>().Value.OtlpLogWaitSeconds))));
        services.AddSingleton(sp => new Otlp.OtlpContentOffers(sp.GetRequiredService<RunsDatabase>(), sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILogger<Otlp.OtlpContentOffers>>()));
        services.AddSingleton<Otlp.OtlpLogIntake>();
        services.AddSingleton(sp => new Otlp.OtlpContentWait(sp.GetRequiredService<Otlp.OtlpLogHold>(), sp.GetRequiredService<IOptions<RunsOptions>>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILogger<Otlp.OtlpContentWait>>(),
            sp.GetRequiredService<Otlp.OtlpContentOffers>(), sp.GetRequiredService<Otlp.OtlpStore>()));
        services.AddSingleton(sp => new Otlp.OtlpStore(sp.GetRequiredService<RunsDatabase>()));
        services.AddSingleton(sp => new Otlp.OtlpRunEnds(sp.GetRequiredService<Otlp.OtlpStore>(), sp.GetRequiredService<Otlp.OtlpLogIntake>(),
            sp.GetRequiredService<RunIngestion>(), sp.GetRequiredService<RunQueries>(), sp.GetRequiredService<IOptions<RunsOptions>>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILogger<Otlp.OtlpRunEnds>>()));
        services.AddSingleton(sp => new Otlp.OtlpParkedLogs(sp.GetRequiredService<RunsDatabase>()));
        // Before the gRPC server's and the web server's: started before them, stopped after them (it parks what waits).
        services.AddHostedService<Otlp.OtlpLogHoldSweeper>();
        services.AddSingleton(sp => new Otlp.OtlpExports(sp.GetRequiredService<RunIngestion>(), sp.GetRequiredService<RunQueries>(),
            sp.GetRequiredService<Otlp.OtlpTraceIndex>(), sp.GetRequiredService<Otlp.OtlpLogIntake>(), sp.GetRequiredService<Otlp.OtlpContentWait>(),
            sp.GetRequiredService<Otlp.OtlpRunEnds>(), sp.GetRequiredService<Otlp.OtlpStore>(), sp.GetRequiredService<IOptions<RunsOptions>>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILogger<Otlp.OtlpExports>>()));
        services.AddSingleton<Otlp.OtlpMetrics>();
        services.AddSingleton<Otlp.OtlpGrpcServer>();
        services.AddHostedService(sp => sp.GetRequiredService<Otlp.OtlpGrpcServer>());
        services.AddHostedService<RunsServiceInitializer>();
        services.AddHostedService<Retention.RetentionSweeper>();
        services.AddHostedService<Search.SearchIndexerService>();
        services.AddHostedService<InsightsOutboxService>();
        services.AddHealthChecks();
        services.AddOpenApi(options => options.AddOperationTransformer<Api.QueryParametersTransformer>());
        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<RunsOptions>>((timeouts, runs) =>
            timeouts.AddPolicy(TimeoutPolicy, new RequestTimeoutPolicy
            {
                Timeout = TimeSpan.FromSeconds(runs.Value.RequestTimeoutSeconds),
                WriteTimeoutResponse = context => ApiError.WriteAsync(context, 504, ErrorCodes.Timeout, "The request took longer than the service allows; narrow it and retry."),
            }));
        return services;
    }

    /// <summary>The service's middleware: errors as envelopes, keys and rate limits, request time-outs.</summary>
    public static IApplicationBuilder UseRunsService(this IApplicationBuilder app)
    {
        app.UseWhen(context => RunsServicePaths.Owns(context.Request.Path), api => api.UseExceptionHandler(handler => handler.Run(context =>
            ApiError.WriteAsync(context, 500, ErrorCodes.InternalError, "An unexpected error occurred. Quote the requestId when reporting it."))));
        app.UseMiddleware<RawRouteValues>();
        app.UseMiddleware<AccessMiddleware>();
        app.UseRequestTimeouts();
        return app;
    }

    /// <summary>Maps the run-inspection API under <c>/api</c>, the generic streams at <c>/v1/stream</c>, and the OpenAPI document.</summary>
    public static IEndpointRouteBuilder MapRunsService(this IEndpointRouteBuilder routes)
    {
        routes.MapDurableStreams("/v1/stream");

        var api = routes.MapGroup("/api").WithTags("Runs");
        var timed = api.MapGroup("");
        timed.WithRequestTimeout(TimeoutPolicy);
        IngestEndpoints.Map(timed);
        RunReadEndpoints.Map(timed);
        ExecutionEndpoints.Map(timed);
        InsightsEndpoints.Map(timed);
        Search.SearchEndpoints.Map(timed);
        Control.ControlEndpoints.Map(timed, api);
        // Live reads wait by design; they have their own limits (long-poll time-out, SSE recycling).
        RunStreamEndpoints.Map(api);
        var v1 = routes.MapGroup("/v1").WithTags("Seed 002");
        v1.WithRequestTimeout(TimeoutPolicy);
        SeedRunEndpoints.Map(v1);
        Otlp.OtlpEndpoints.Map(v1);

        // Under both prefixes a path with no route (or a method a route does not take) is told so in the error envelope;
        // /v1 answered with an empty 404. The streams under /v1/stream keep the protocol's own plain-text answers.
        api.MapFallback("/{**rest}", NoSuchRoute);
        v1.MapFallback("/{**rest}", NoSuchRoute);

        routes.MapOpenApi("/openapi/{documentName}.json");
        return routes;
    }

    private static IResult NoSuchRoute(HttpContext context) =>
        ApiError.Result(context, 404, ErrorCodes.ResourceNotFound, "No such route in the runs API (see /openapi/v1.json).");
}
