using Dashboard.Client;
using Dashboard.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

/// <summary>
/// A bUnit context whose components read from a real runs service (its own process, loopback HTTP, a fresh SQLite file),
/// started before each test class's first render.
/// </summary>
public abstract class RealServiceTestContext : DashboardTestContext, IAsyncLifetime
{
    private readonly ClientHolder _holder;

    protected RealServiceTestContext()
        : this(new ClientHolder())
    {
    }

    private RealServiceTestContext(ClientHolder holder)
        : base(runsClient: () => holder.Client ?? throw new InvalidOperationException("Rendered before the service started."))
    {
        _holder = holder;
    }

    /// <summary>Filled in InitializeAsync, before any test renders: the client of the service started there.</summary>
    private sealed class ClientHolder
    {
        public IRunsClient? Client { get; set; }
    }

    private AppProcess _service = null!;
    private ServiceProvider _client = null!;

    protected static CancellationToken Token => Xunit.TestContext.Current.CancellationToken;

    protected IRunsClient Real => _client.GetRequiredService<IRunsClient>();

    public async ValueTask InitializeAsync()
    {
        _service = await AppProcess.StartAsync("Dashboard.Runs", ["--Streams:DatabasePath", "{data}/runs.db", "--Logging:LogLevel:Default", "Warning"]);
        var collection = new ServiceCollection();
        collection.AddRunsClient((_, o) => o.BaseAddress = _service.BaseAddress);
        _client = collection.BuildServiceProvider();
        _holder.Client = Real;
    }

    public new async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _client.DisposeAsync();
        await _service.DisposeAsync();
    }
}
