using Dashboard.Runs;
using Dashboard.Runs.Configuration;

// The runs service on its own. The dashboard hosts the same service in-process (the embedded default).
var builder = WebApplication.CreateBuilder(HostArguments.WithSettingsReadOnce(args));
builder.Services.AddRunsService(builder.Configuration);

var app = builder.Build();
app.UseRunsService();
app.MapHealthChecks("/health/live");
app.MapRunsService();
app.Run();
