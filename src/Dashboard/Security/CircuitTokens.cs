using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.Extensions.Options;

namespace Dashboard.Security;

/// <summary>
/// The pages' own hub connection is made by the server on the viewer's behalf, with no browser cookie to carry; it
/// presents a short-lived bearer token (ASP.NET's data-protected bearer tokens) holding the viewer's access, minted
/// afresh at every connect and reconnect.
/// </summary>
public sealed class CircuitTokens(IOptionsMonitor<BearerTokenOptions> options, TimeProvider clock)
{
    public const string SchemeName = "Circuit";

    /// <summary>Marks our tokens, so the scheme selector can tell them from a portal's API key.</summary>
    public const string Prefix = "circuit.";

    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    public string Mint(WorkflowAccess access, string? userName)
    {
        var identity = new ClaimsIdentity(SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, userName ?? "viewer"));
        identity.AddClaims(access.ToClaims());
        var properties = new AuthenticationProperties { ExpiresUtc = clock.GetUtcNow() + Lifetime };
        var ticket = new AuthenticationTicket(new ClaimsPrincipal(identity), properties, SchemeName);
        return Prefix + options.Get(SchemeName).BearerTokenProtector.Protect(ticket);
    }
}
