using System.Net;

namespace Dashboard.Security;

/// <summary>Whether the dashboard's <c>Urls</c> keep it on this machine.</summary>
public static class ListenAddresses
{
    /// <summary>
    /// Every address Kestrel will listen on, from the settings it reads: <c>Kestrel:Endpoints</c> always, then <c>Urls</c>,
    /// or else <c>HTTP_PORTS</c> / <c>HTTPS_PORTS</c> (set by the .NET container images), which mean every interface.
    /// </summary>
    public static string Configured(IConfiguration configuration)
    {
        var addresses = configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>().ToList();
        if (configuration["urls"] is { Length: > 0 } urls)
        {
            addresses.Add(urls);
        }
        else
        {
            foreach (var (key, scheme) in new[] { ("http_ports", "http"), ("https_ports", "https") })
            {
                addresses.AddRange((configuration[key] ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(port => $"{scheme}://*:{port}"));
            }
        }
        return string.Join(';', addresses);
    }

    /// <summary>The addresses of <paramref name="urls"/> (semicolon-separated) that other machines could reach.</summary>
    public static IReadOnlyList<string> BeyondLoopback(string? urls) =>
        (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(url => !IsLoopback(Host(url)))
            .ToList();

    private static string Host(string url)
    {
        var start = url.IndexOf("://", StringComparison.Ordinal);
        var rest = start < 0 ? url : url[(start + 3)..];
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            return close < 0 ? rest : rest[1..close];
        }
        var end = rest.IndexOfAny([':', '/']);
        return end < 0 ? rest : rest[..end];
    }

    // "*", "+", "0.0.0.0" and "::" mean every interface; a host name other than localhost may resolve anywhere.
    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
}
