using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Dashboard.Configuration;
using Microsoft.Extensions.Options;

namespace Dashboard.Security;

/// <summary>The configured sign-in keys, matched in constant time, and the principal each one signs in as.</summary>
public sealed class DashboardApiKeys
{
    public const string KeyNameClaim = "dashboard:key";
    private readonly List<(byte[] Hash, DashboardApiKey Key)> _keys;

    public DashboardApiKeys(IOptions<DashboardOptions> options) =>
        _keys = options.Value.Authentication.ApiKeys.Select(k => (Hash(k.Key), k)).ToList();

    public DashboardApiKey? Find(string? presented)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > 1024)
        {
            return null;
        }
        var hash = Hash(presented);
        DashboardApiKey? found = null;
        foreach (var (candidate, key) in _keys)
        {
            // Every key is compared, so the time taken does not tell which one nearly matched.
            if (CryptographicOperations.FixedTimeEquals(hash, candidate))
            {
                found = key;
            }
        }
        return found;
    }

    /// <summary>Still configured? A session signed in with a key that was since removed ends at its next request.</summary>
    public bool Exists(string name) => _keys.Any(k => string.Equals(k.Key.Name, name, StringComparison.Ordinal));

    public static ClaimsPrincipal Principal(DashboardApiKey key, string scheme)
    {
        var identity = new ClaimsIdentity(scheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, key.Name));
        identity.AddClaim(new Claim(KeyNameClaim, key.Name));
        identity.AddClaims(WorkflowAccess.FromList(key.Workflows, key.Control).ToClaims());
        return new ClaimsPrincipal(identity);
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
