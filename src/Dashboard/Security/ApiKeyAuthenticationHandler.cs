using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace Dashboard.Security;

/// <summary>
/// Signs in a request that presents a dashboard key: <c>Authorization: Bearer</c>, <c>X-Api-Key</c>, or, on the hub
/// only, the <c>access_token</c> query parameter (browsers cannot set headers on a WebSocket, so the SignalR client
/// sends the key there).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, DashboardApiKeys keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (PresentedKey(Request) is not { } presented)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        return Task.FromResult(keys.Find(presented) is { } key
            ? AuthenticateResult.Success(new AuthenticationTicket(DashboardApiKeys.Principal(key, SchemeName), SchemeName))
            : AuthenticateResult.Fail("Unknown API key."));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        // A script gets the bare 401, not the not-found page the status-code pages would render for a browser.
        if (Context.Features.Get<IStatusCodePagesFeature>() is { } pages)
        {
            pages.Enabled = false;
        }
        return Task.CompletedTask;
    }

    public static string? PresentedKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }
        if (request.Headers["X-Api-Key"].ToString() is { Length: > 0 } header)
        {
            return header;
        }
        return request.Path.StartsWithSegments(DashboardUrls.HubPath) && request.Query["access_token"].ToString() is { Length: > 0 } token ? token : null;
    }
}
