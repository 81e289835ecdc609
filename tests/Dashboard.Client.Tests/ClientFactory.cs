using Dashboard.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Client.Tests;

/// <summary>Builds the client exactly as an application would: through DI, on a real base address.</summary>
internal static class ClientFactory
{
    public static (IRunsClient Client, ServiceProvider Services) Create(Uri baseAddress, string? apiKey = null, TimeSpan? timeout = null, Func<DelegatingHandler>? handler = null)
    {
        var services = new ServiceCollection();
        var builder = services.AddRunsClient((_, options) =>
        {
            options.BaseAddress = baseAddress;
            options.ApiKey = apiKey;
            options.Timeout = timeout ?? TimeSpan.FromSeconds(30);
        });
        if (handler is not null)
        {
            builder.AddHttpMessageHandler(handler);
        }
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<IRunsClient>(), provider);
    }

    /// <summary>A loopback port nobody listens on (for "service down").</summary>
    public static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>Counts requests that reach the network.</summary>
internal sealed class CountingHandler : DelegatingHandler
{
    public int Requests;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Requests);
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>
/// Lets the first POST reach the service, then loses its answer (as a dropped connection would): the service stored the
/// batch, the client believes it failed and must resend.
/// </summary>
internal sealed class LoseFirstAnswerHandler : DelegatingHandler
{
    public int Lost;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (request.Method == HttpMethod.Post && Interlocked.CompareExchange(ref Lost, 1, 0) == 0)
        {
            response.Dispose();
            throw new HttpRequestException("connection reset (simulated after the service answered)", new IOException("reset"));
        }
        return response;
    }
}

/// <summary>Holds every request back, as a slow network would.</summary>
internal sealed class SlowHandler(TimeSpan delay) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await Task.Delay(delay, cancellationToken);
        return await base.SendAsync(request, cancellationToken);
    }
}
