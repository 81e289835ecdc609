using System.Security.Claims;
using Dashboard.Configuration;
using Dashboard.Runs.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dashboard.Security;

/// <summary>
/// Sign-in with ASP.NET's own handlers: a session cookie for browsers (after a key or an OpenID Connect provider), an
/// API key for a portal's scripts on the hub, and short-lived bearer tokens for the pages' server-side hub connection.
/// One policy scheme picks among them per request.
/// </summary>
public static class DashboardAuthenticationExtensions
{
    public const string SelectorScheme = "Dashboard";

    public static IServiceCollection AddDashboardAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.GetSection("Authentication").Get<DashboardAuthenticationOptions>() ?? new();
        // Sessions and tokens outlive a restart only if the keys that protect them do; on PostgreSQL every instance
        // reads the same keys, so a session started on one is good on the others.
        var protection = services.AddDataProtection().SetApplicationName("runs-dashboard");
        if (StorageSettings.PostgreSqlConnectionString(configuration) is { } connectionString)
        {
            services.Configure<KeyManagementOptions>(options => options.XmlRepository = new PostgreSqlXmlRepository(connectionString));
        }
        else
        {
            protection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(configuration["Storage:DataDirectory"] ?? "data", "keys")));
        }

        services.AddSingleton<DashboardApiKeys>();
        services.AddScoped<ViewerScope>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<CircuitHandler, ViewerScopeCircuitHandler>());

        var authentication = services.AddAuthentication(options =>
            {
                options.DefaultScheme = SelectorScheme;
                options.DefaultSignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            })
            .AddPolicyScheme(SelectorScheme, null, options => options.ForwardDefaultSelector = SelectScheme)
            .AddCookie(options =>
            {
                options.Cookie.Name = "dashboard.session";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TimeSpan.FromMinutes(settings.SessionMinutes);
                options.SlidingExpiration = true;
                options.LoginPath = DashboardUrls.SignInPath;
                options.AccessDeniedPath = DashboardUrls.SignInPath;
                options.Events.OnValidatePrincipal = EndSessionsOfRemovedKeys;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        if (settings.Mode == AuthenticationMode.OpenIdConnect)
        {
            authentication.AddOpenIdConnect(options => ConfigureOpenIdConnect(options, settings.OpenIdConnect));
        }

        services.AddAuthorizationBuilder().SetDefaultPolicy(settings.RequiresSignIn
            ? new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build()
            // The loopback embedded default: every page is open, as a local tool's should be.
            : new AuthorizationPolicyBuilder().RequireAssertion(_ => true).Build());
        services.AddCascadingAuthenticationState();
        return services;
    }

    /// <summary>After authentication: the request's viewer, for the pages rendered on this request (prerendering).</summary>
    public static WebApplication UseViewerScope(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            // Only page requests render pages; the runs API, the streams and the hubs never read the viewer.
            var path = context.Request.Path;
            if (!path.StartsWithSegments("/api") && !path.StartsWithSegments("/v1") && !path.StartsWithSegments("/hubs") && !path.StartsWithSegments("/_blazor"))
            {
                context.RequestServices.GetRequiredService<ViewerScope>().SetUser(context.User);
            }
            return next(context);
        });
        return app;
    }

    private static string SelectScheme(HttpContext context)
    {
        var presented = ApiKeyAuthenticationHandler.PresentedKey(context.Request);
        if (presented is not null)
        {
            return ApiKeyAuthenticationHandler.SchemeName;
        }
        // A script on the hub with no key is told 401, not redirected to a sign-in page it cannot use.
        return context.Request.Path.StartsWithSegments(DashboardUrls.HubPath) && !context.Request.Cookies.ContainsKey("dashboard.session")
            ? ApiKeyAuthenticationHandler.SchemeName
            : CookieAuthenticationDefaults.AuthenticationScheme;
    }

    private static Task EndSessionsOfRemovedKeys(CookieValidatePrincipalContext context)
    {
        if (context.Principal?.FindFirst(DashboardApiKeys.KeyNameClaim)?.Value is { } name &&
            !context.HttpContext.RequestServices.GetRequiredService<DashboardApiKeys>().Exists(name))
        {
            context.RejectPrincipal();
        }
        return Task.CompletedTask;
    }

    private static void ConfigureOpenIdConnect(OpenIdConnectOptions options, OpenIdConnectSettings settings)
    {
        options.Authority = settings.Authority;
        options.ClientId = settings.ClientId;
        options.ClientSecret = settings.ClientSecret;
        options.ResponseType = "code";
        options.UsePkce = true;
        options.RequireHttpsMetadata = settings.RequireHttpsMetadata;
        options.MapInboundClaims = false;
        options.SaveTokens = false;
        options.Scope.Clear();
        options.Scope.Add("openid");
        options.Scope.Add("profile");
        options.TokenValidationParameters.NameClaimType = "name";
        options.TokenValidationParameters.RoleClaimType = settings.RoleClaimType;
        options.Events.OnTokenValidated = context =>
        {
            // What a user sees follows from their roles, by the configured map; a user with no mapped role sees nothing.
            if (context.Principal?.Identity is ClaimsIdentity identity)
            {
                var roles = identity.FindAll(settings.RoleClaimType).Select(role => role.Value).ToList();
                var workflows = roles.SelectMany(role => settings.RoleWorkflows.TryGetValue(role, out var list) ? list : []).ToList();
                var control = roles.SelectMany(role => settings.RoleControl.TryGetValue(role, out var list) ? list : []).ToList();
                identity.AddClaims(WorkflowAccess.FromList(workflows, control).ToClaims());
            }
            return Task.CompletedTask;
        };
    }
}
