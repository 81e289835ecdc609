using Dashboard.Testing;

namespace Dashboard.Client.Tests;

public sealed class RunsServiceProcess : IAsyncLifetime
{
    public AppProcess Service { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Service = await AppProcess.StartAsync("Dashboard.Runs", ["--Streams:DatabasePath", "{data}/runs.db", "--Streams:LongPollTimeoutMs", "2000", "--Logging:LogLevel:Default", "Warning"]);

    public async ValueTask DisposeAsync() => await Service.DisposeAsync();
}
