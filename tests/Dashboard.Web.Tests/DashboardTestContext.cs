using Dashboard.Client;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace Dashboard.Web.Tests;

/// <summary>One setup for every component test: MudBlazor services, loose JS interop, an interactive server renderer.</summary>
public abstract class DashboardTestContext : BunitContext
{
    /// <param name="withPopoverProvider">False for components that bring their own (the layout).</param>
    protected DashboardTestContext(bool withPopoverProvider = true)
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<IRunsClient>(RunsClient);
        Services.AddScoped<Dashboard.Services.BrowserInterop>();
        Services.AddScoped<Dashboard.Model.TimeDisplay>();
        Services.AddLogging();
        Services.AddSingleton<Microsoft.AspNetCore.Hosting.Server.IServer, NoServer>();
        Services.AddScoped<Dashboard.Services.RunsHubObserver>();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
        if (withPopoverProvider)
        {
            Render<MudPopoverProvider>();
        }
    }

    protected FakeRunsClient RunsClient { get; } = new();
}
