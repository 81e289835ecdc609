using System.Security.Cryptography;
using System.Text;
using Dashboard.Runs.Configuration;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs.Access;

/// <summary>Resolves a bearer key to its <see cref="Caller"/>, comparing in constant time.</summary>
public sealed class ApiKeyAccess
{
    private readonly List<(byte[] Hash, Caller Caller)> _keys;

    public ApiKeyAccess(IOptions<RunsOptions> options)
    {
        _keys = options.Value.ApiKeys
            .Where(k => !string.IsNullOrEmpty(k.Key))
            .Select(k => (Hash(k.Key), new Caller(
                string.IsNullOrEmpty(k.Name) ? "key" : k.Name,
                k.Scopes.Select(s => s.Trim().ToLowerInvariant()).ToHashSet(),
                k.Workflows.Count == 0 || k.Workflows.Contains("*") ? null : k.Workflows.ToHashSet(StringComparer.Ordinal))))
            .ToList();
    }

    /// <summary>No key configured: the service is open (the loopback embedded default).</summary>
    public bool IsOpen => _keys.Count == 0;

    public Caller? Resolve(string? presented)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return null;
        }
        var hash = Hash(presented);
        Caller? found = null;
        foreach (var (candidate, caller) in _keys)
        {
            // Every key is compared, so the time taken does not tell which one nearly matched.
            if (CryptographicOperations.FixedTimeEquals(hash, candidate))
            {
                found = caller;
            }
        }
        return found;
    }

    public static string? PresentedKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }
        var header = request.Headers["X-Api-Key"].ToString();
        return string.IsNullOrEmpty(header) ? null : header;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
