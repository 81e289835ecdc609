using Dashboard.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Dashboard.Services;

/// <summary>
/// Where the dashboard's client calls the runs service: the configured URL, or in the embedded default this very
/// process's own address, so that the pages use the same HTTP path a separate backend would.
/// </summary>
public static class BackendAddress
{
    public static Uri Resolve(BackendOptions backend, IServer server)
    {
        if (!backend.IsEmbedded)
        {
            var configured = backend.BaseUrl!;
            return new Uri(configured.EndsWith('/') ? configured : configured + "/");
        }
        return Self(server);
    }

    /// <summary>This process's own address (loopback), for connections it makes to itself.</summary>
    public static Uri Self(IServer server)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var address = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The server has no address yet; the embedded backend needs one.");
        var uri = new UriBuilder(address);
        if (uri.Host is "0.0.0.0" or "[::]" or "+" or "*" or "localhost")
        {
            uri.Host = "127.0.0.1";
        }
        uri.Path = "/";
        return uri.Uri;
    }
}
