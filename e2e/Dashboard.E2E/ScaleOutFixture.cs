using System.Collections.Concurrent;
using Dashboard.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Dashboard.E2E;

/// <summary>
/// The deployment the README describes for teams: one PostgreSQL database, two runs-service instances and two dashboard
/// instances (each dashboard reads from its own service), and a YARP proxy in front of the dashboards with cookie
/// affinity (Blazor Server needs every request of a page to reach the instance that holds its circuit) and active
/// health checks. The proxy prefers dashboard "a" while it is healthy, so a test knows where a new page lands.
/// </summary>
public sealed class ScaleOutFixture : BrowserFixture
{
    public const string Key = "scale-out-key-0123456789abcdef";

    private PostgresServer _postgres = null!;
    private WebApplication _proxy = null!;
    private Uri _proxyAddress = null!;

    public AppProcess ServiceA { get; private set; } = null!;

    public AppProcess ServiceB { get; private set; } = null!;

    public AppProcess DashboardA => App;

    public AppProcess DashboardB { get; private set; } = null!;

    /// <summary>Which dashboard instance ("a" or "b") answered each page load (a document request) through the proxy.</summary>
    public ConcurrentQueue<(string Path, string Instance)> PageLoads { get; } = new();

    public override Uri BaseAddress => _proxyAddress;

    protected override async Task<AppProcess> StartAppAsync()
    {
        _postgres = await PostgresServer.StartAsync();
        var database = await _postgres.CreateDatabaseAsync("scaleout");
        string[] storage = ["--Storage:Provider", "PostgreSql", "--ConnectionStrings:Runs", database, "--Logging:LogLevel:Default", "Warning"];
        var services = await Task.WhenAll(AppProcess.StartAsync("Dashboard.Runs", storage), AppProcess.StartAsync("Dashboard.Runs", storage));
        (ServiceA, ServiceB) = (services[0], services[1]);

        // Both dashboards keep their sign-in keys in the same database: a session begun on one is good on the other.
        string[] dashboard =
        [
            .. storage, "--Storage:DataDirectory", "{data}",
            "--Authentication:Mode", "ApiKey", "--Authentication:ApiKeys:0:Name", "ops", "--Authentication:ApiKeys:0:Key", Key,
            "--Authentication:ApiKeys:0:Workflows:0", "*",
        ];
        var dashboards = await Task.WhenAll(
            AppProcess.StartAsync("Dashboard", [.. dashboard, "--Backend:BaseUrl", ServiceA.BaseAddress.ToString()]),
            AppProcess.StartAsync("Dashboard", [.. dashboard, "--Backend:BaseUrl", ServiceB.BaseAddress.ToString()]));
        DashboardB = dashboards[1];
        await StartProxyAsync(dashboards[0].BaseAddress, dashboards[1].BaseAddress);
        return dashboards[0];
    }

    private async Task StartProxyAsync(Uri a, Uri b)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddReverseProxy().LoadFromMemory(
            // The browser's Host header goes through, so that the dashboards' redirects (to sign-in and back) point at the proxy.
            [
                new RouteConfig
                {
                    RouteId = "dashboard", ClusterId = "dashboards", Match = new RouteMatch { Path = "{**rest}" },
                    Transforms = [new Dictionary<string, string> { ["RequestHeaderOriginalHost"] = "true" }],
                },
            ],
            [
                new ClusterConfig
                {
                    ClusterId = "dashboards",
                    LoadBalancingPolicy = LoadBalancingPolicies.FirstAlphabetical,
                    SessionAffinity = new SessionAffinityConfig { Enabled = true, Policy = "Cookie", FailurePolicy = "Redistribute", AffinityKeyName = ".dashboard.instance" },
                    HealthCheck = new HealthCheckConfig
                    {
                        Active = new ActiveHealthCheckConfig
                        {
                            Enabled = true, Interval = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromSeconds(1), Policy = "ConsecutiveFailures", Path = "/health/live",
                        },
                    },
                    Destinations = new Dictionary<string, DestinationConfig>
                    {
                        ["a"] = new() { Address = a.ToString() },
                        ["b"] = new() { Address = b.ToString() },
                    },
                },
            ]);
        _proxy = builder.Build();
        _proxy.MapReverseProxy(pipeline =>
        {
            pipeline.Use(async (context, next) =>
            {
                context.Response.OnStarting(() =>
                {
                    var destination = context.Features.Get<IReverseProxyFeature>()?.ProxiedDestination?.DestinationId;
                    if (destination is not null && context.Response.ContentType?.StartsWith("text/html", StringComparison.Ordinal) == true)
                    {
                        PageLoads.Enqueue((context.Request.Path, destination));
                    }
                    return Task.CompletedTask;
                });
                await next(context);
            });
            pipeline.UseSessionAffinity();
            pipeline.UseLoadBalancing();
            pipeline.UsePassiveHealthChecks();
        });
        await _proxy.StartAsync();
        _proxyAddress = new Uri(_proxy.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
        foreach (var process in new[] { DashboardB, ServiceA, ServiceB })
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }
        }
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}
