using Dashboard.Runs;

// The runs service on its own. The dashboard hosts the same service in-process (the embedded default).
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddRunsService(builder.Configuration);

var app = builder.Build();
app.UseRunsService();
app.MapHealthChecks("/health/live");
app.MapRunsService();
app.Run();
