using Dashboard;
using Dashboard.Runs.Configuration;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = HostArguments.WithSettingsReadOnce(args),
    // The top-level appsettings.json and wwwroot/ are copied beside the binary (see Dashboard.csproj), so the content
    // root is the binary's folder for `dotnet run` and for the built output alike.
    ContentRootPath = AppContext.BaseDirectory,
});

// Static web assets (MudBlazor's files, blazor.web.js) are otherwise mapped only in Development.
builder.WebHost.UseStaticWebAssets();

builder.AddDashboard();

var app = builder.Build();
app.UseDashboard();
app.Run();

/// <summary>Entry point; public so that tests can host the real app.</summary>
public partial class Program;
