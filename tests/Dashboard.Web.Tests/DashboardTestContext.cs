using Dashboard.Client;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace Dashboard.Web.Tests;

/// <summary>One setup for every component test: MudBlazor services, loose JS interop, an interactive server renderer.</summary>
public abstract class DashboardTestContext : BunitContext
{
    /// <param name="withPopoverProvider">False for components that bring their own (the layout).</param>
    /// <param name="runsClient">What pages read with, instead of <see cref="RunsClient"/> (a client of a real service).</param>
    /// <param name="time">The clock components wait on (MudBlazor's too), instead of the system's.</param>
    protected DashboardTestContext(bool withPopoverProvider = true, Func<IRunsClient>? runsClient = null, TimeProvider? time = null)
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton(time ?? TimeProvider.System);
        // The real registrations (the service client, the viewer, the hub tokens), then the fake as what pages read with.
        Services.AddRunsClient((_, o) => o.BaseAddress = new Uri("http://127.0.0.1:9/"));
        if (runsClient is null)
        {
            Services.AddSingleton<IRunsClient>(RunsClient);
        }
        else
        {
            Services.AddSingleton(_ => runsClient());
        }
        Services.AddOptions<Dashboard.Configuration.DashboardOptions>();
        Services.AddScoped<Dashboard.Security.ViewerScope>();
        Services.AddDataProtection();
        Services.AddScoped<Dashboard.Services.BrowserInterop>();
        Services.AddScoped<Dashboard.Model.TimeDisplay>();
        Services.AddLogging();
        Services.AddSingleton<Microsoft.AspNetCore.Hosting.Server.IServer, NoServer>();
        Services.AddSingleton<Dashboard.Services.IRunSubscriptions>(Subscriptions);
        Services.AddScoped<Dashboard.Services.LiveUpdates>();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        if (withPopoverProvider)
        {
            Popovers = Render<MudPopoverProvider>();
        }
    }

    /// <summary>Where open lists, menus and tooltips are drawn (null when the component under test brings its own).</summary>
    protected IRenderedComponent<MudPopoverProvider>? Popovers { get; }

    protected FakeRunsClient RunsClient { get; } = new();

    protected FakeRunSubscriptions Subscriptions { get; } = new();
}
