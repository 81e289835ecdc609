namespace Dashboard.Configuration;

/// <summary>How people sign in to the dashboard (section <c>Authentication</c>).</summary>
public sealed class DashboardAuthenticationOptions
{
    /// <summary>None (only on loopback, the embedded default), ApiKey, or OpenIdConnect.</summary>
    public AuthenticationMode Mode { get; set; } = AuthenticationMode.None;

    /// <summary>
    /// Serve without sign-in although the dashboard listens beyond loopback: for a dashboard behind a proxy that signs
    /// people in itself. Off by default, so that a dashboard is never opened to a network by accident.
    /// </summary>
    public bool AllowAnonymousOffLoopback { get; set; }

    /// <summary>Keys people (and portals' scripts) sign in with, each limited to some workflows.</summary>
    public List<DashboardApiKey> ApiKeys { get; set; } = [];

    public OpenIdConnectSettings OpenIdConnect { get; set; } = new();

    /// <summary>How long a browser session lasts without activity.</summary>
    public int SessionMinutes { get; set; } = 480;

    public bool RequiresSignIn => Mode != AuthenticationMode.None;
}

public enum AuthenticationMode
{
    None,
    ApiKey,
    OpenIdConnect,
}

public sealed class DashboardApiKey
{
    public string Name { get; set; } = "";

    public string Key { get; set; } = "";

    /// <summary>Workflows this key sees; "*" for all. Empty: none.</summary>
    public List<string> Workflows { get; set; } = [];

    /// <summary>Workflows whose runs this key's user may cancel, resume and rerun; "*" for all. Empty (the default): none.</summary>
    public List<string> Control { get; set; } = [];
}

public sealed class OpenIdConnectSettings
{
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>The claim holding the user's roles in the provider's tokens.</summary>
    public string RoleClaimType { get; set; } = "roles";

    /// <summary>Workflows each role sees ("*" for all); a user sees the union of their roles' workflows.</summary>
    public Dictionary<string, List<string>> RoleWorkflows { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Workflows each role may act on (cancel, resume, rerun; "*" for all); a role not listed acts on none.</summary>
    public Dictionary<string, List<string>> RoleControl { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Only for a provider on plain http in development; production providers are https.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
}
