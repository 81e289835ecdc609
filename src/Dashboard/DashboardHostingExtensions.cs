using Dashboard.Client;
using Dashboard.Components;
using Dashboard.Configuration;
using Dashboard.Health;
using Dashboard.Hubs;
using Dashboard.Runs;
using Dashboard.Runs.Api;
using Dashboard.Runs.Storage;
using Dashboard.Security;
using Dashboard.Services;
using Dashboard.Services.SampleWorkload;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace Dashboard;

public static class DashboardHostingExtensions
{
    public static WebApplicationBuilder AddDashboard(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        if (IsEmbedded(builder.Configuration))
        {
            // The runs service lives in this process, on a SQLite file in the data directory (or on PostgreSQL when
            // Storage:Provider says so); the pages still read it over HTTP through the client, as they would a separate
            // service, and only the live relay follows its streams in-process.
            var dataDirectory = builder.Configuration["Storage:DataDirectory"] ?? "data";
            builder.Configuration["Streams:DatabasePath"] ??= Path.Combine(dataDirectory, "runs.db");
            services.AddRunsService(builder.Configuration);
            // The live relay reads the runs' streams where this process keeps them, not back over loopback HTTP.
            services.AddSingleton<IRunStreamSource, EngineRunStreamSource>();
            if (builder.Configuration.GetValue("SampleWorkload:Enabled", defaultValue: true))
            {
                services.AddHostedService<SampleWorkloadService>();
            }
        }

        services.AddOptions<DashboardOptions>().Bind(builder.Configuration).ValidateOnStart();
        services.AddOptions<EmbeddingOptions>().Bind(builder.Configuration.GetSection("Embedding"));
        services.AddSingleton<IValidateOptions<DashboardOptions>, ValidateDashboardOptions>();

        // Circuits:DisconnectedCircuitRetentionPeriod and the rest of Blazor's circuit options: a page whose tab went is
        // kept for a reconnect (three minutes by default), with all it holds.
        services.AddRazorComponents().AddInteractiveServerComponents(circuits => builder.Configuration.GetSection("Circuits").Bind(circuits));
        // Toasts (copied, …) at the bottom, away from the run page's export buttons at the top right.
        services.AddMudServices(mud => mud.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomLeft);
        services.AddSingleton(TimeProvider.System);
        services.AddScoped<BrowserInterop>();
        services.AddScoped<LiveUpdates>();
        services.AddSingleton<RunStreamRelay>();
        services.AddSingleton<IRunSubscriptions>(sp => sp.GetRequiredService<RunStreamRelay>());
        services.AddSingleton<Hubs.HubSubscriptions>();
        services.AddSignalR().AddJsonProtocol(options => Dashboard.Model.Json.ModelJson.Configure(options.PayloadSerializerOptions));
        services.AddScoped<Model.TimeDisplay>();
        services.AddOptions<Configuration.TraceLinkOptions>().Bind(builder.Configuration.GetSection("Runs"));

        services.AddRunsClient((sp, client) =>
        {
            var backend = sp.GetRequiredService<IOptions<DashboardOptions>>().Value.Backend;
            client.BaseAddress = BackendAddress.Resolve(backend, sp.GetRequiredService<IServer>());
            client.ApiKey = backend.ApiKey;
            client.Timeout = TimeSpan.FromSeconds(backend.TimeoutSeconds);
        });
        // The service key's whole view, for the process's own work (the relay, the sample engine); pages get the
        // viewer's, narrowed to the workflows the signed-in user or the embed link may see.
        services.AddTransient<IRunsClient>(sp => sp.GetRequiredService<ViewerScope>().Client);
        services.AddDashboardAuthentication(builder.Configuration);

        services.AddHttpClient(BackendHealthCheck.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(5));
        services.AddHealthChecks().AddCheck<BackendHealthCheck>("backend", tags: ["ready"]);
        return builder;
    }

    private static bool IsEmbedded(IConfiguration configuration) => string.IsNullOrWhiteSpace(configuration["Backend:BaseUrl"]);

    public static WebApplication UseDashboard(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<DashboardOptions>>().Value;
        // The console of the README's run command says where to go and where the data is; the pages' and the sample
        // engine's own HTTP calls are not logged below Warning (appsettings.json).
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
            if (options.Backend.IsEmbedded && StorageSettings.PostgreSqlConnectionString(app.Configuration) is { } connectionString)
            {
                var database = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
                app.Logger.LogInformation("Dashboard ready at {Address} · runs service embedded, data in PostgreSQL database {Database} on {Host}",
                    address, database.Database, database.Host);
            }
            else if (options.Backend.IsEmbedded)
            {
                app.Logger.LogInformation("Dashboard ready at {Address} · runs service embedded, data in {DataDirectory}",
                    address, Path.GetFullPath(options.Storage.DataDirectory));
            }
            else
            {
                app.Logger.LogInformation("Dashboard ready at {Address} · reading runs from {BackendUrl}", address, options.Backend.BaseUrl);
            }
        });

        app.UseMiddleware<SecurityHeadersMiddleware>();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }
        app.UseStatusCodePagesWithReExecute("/not-found");
        if (options.Backend.IsEmbedded)
        {
            // Pages get the friendly not-found page; the embedded service's routes answer as the standalone service does
            // (a body-less 404 or 410 of the streams protocol stays one). Their failures are caught inside the service's
            // own middleware (UseRunsService), as the error envelope, before the page error handler above sees them.
            app.Use((context, next) =>
            {
                if (RunsServicePaths.Owns(context.Request.Path) && context.Features.Get<IStatusCodePagesFeature>() is { } pages)
                {
                    pages.Enabled = false;
                }
                return next(context);
            });
            app.UseRunsService();
        }
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseViewerScope();
        app.UseAntiforgery();

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });

        if (options.Backend.IsEmbedded)
        {
            app.MapRunsService();
        }
        app.MapStaticAssets();
        app.MapHub<RunsHub>(DashboardUrls.HubPath);
        app.MapSignOut();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
