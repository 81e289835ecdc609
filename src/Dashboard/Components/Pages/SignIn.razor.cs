using Dashboard.Configuration;
using Dashboard.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace Dashboard.Components.Pages;

/// <summary>
/// The sign-in page, rendered on the server without interactivity: a key posted here becomes a session cookie. With an
/// OpenID Connect provider the page sends the browser to the provider at once.
/// </summary>
public sealed partial class SignIn
{
    private string? _error;

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "ReturnUrl")]
    public string? ReturnUrl { get; set; }

    [SupplyParameterFromForm]
    public SignInInput? Input { get; set; }

    [Inject]
    public required IOptions<DashboardOptions> Options { get; init; }

    [Inject]
    public required DashboardApiKeys Keys { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required ILogger<SignIn> Logger { get; init; }

    private AuthenticationMode Mode => Options.Value.Authentication.Mode;

    /// <summary>Only a path on this site: a sign-in page must not forward anyone elsewhere.</summary>
    private string SafeReturnUrl =>
        ReturnUrl is { Length: > 0 } url && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url
            : DashboardUrls.ExecutionsPath;

    protected override async Task OnInitializedAsync()
    {
        Input ??= new SignInInput();
        if (Mode == AuthenticationMode.OpenIdConnect && !HttpMethods.IsPost(HttpContext.Request.Method))
        {
            await HttpContext.ChallengeAsync(OpenIdConnectDefaults.AuthenticationScheme, new AuthenticationProperties { RedirectUri = SafeReturnUrl });
        }
    }

    private async Task SignInAsync()
    {
        if (Mode != AuthenticationMode.ApiKey)
        {
            return;
        }
        if (Keys.Find(Input?.Key?.Trim()) is not { } key)
        {
            // Logged without the key: a mistyped key is often a real one.
            Logger.LogWarning("Refused a sign-in with an unknown API key from {RemoteAddress}", HttpContext.Connection.RemoteIpAddress);
            _error = "That key is not valid.";
            return;
        }
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            DashboardApiKeys.Principal(key, CookieAuthenticationDefaults.AuthenticationScheme), new AuthenticationProperties { IsPersistent = false });
        Logger.LogInformation("{User} signed in", key.Name);
        Navigation.NavigateTo(SafeReturnUrl, forceLoad: true);
    }

    public sealed class SignInInput
    {
        public string? Key { get; set; }
    }
}
