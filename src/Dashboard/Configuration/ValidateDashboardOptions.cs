using Dashboard.Security;
using Microsoft.Extensions.Options;

namespace Dashboard.Configuration;

/// <summary>Reports every problem of the settings at once, at start, rather than the first one at first use.</summary>
public sealed class ValidateDashboardOptions(IConfiguration configuration) : IValidateOptions<DashboardOptions>
{
    public ValidateOptionsResult Validate(string? name, DashboardOptions options)
    {
        var problems = new List<string>();
        var backend = options.Backend;
        if (!backend.IsEmbedded)
        {
            if (!Uri.TryCreate(backend.BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                problems.Add($"Backend:BaseUrl must be an absolute http(s) URL, got '{backend.BaseUrl}'.");
            }
        }
        if (backend.TimeoutSeconds is < 1 or > 600)
        {
            problems.Add($"Backend:TimeoutSeconds must be between 1 and 600, got {backend.TimeoutSeconds}.");
        }
        if (backend.ApiKey is { } key && (key.Length < 16 || key.Any(char.IsWhiteSpace)))
        {
            problems.Add("Backend:ApiKey must be at least 16 characters with no white space.");
        }
        if (string.IsNullOrWhiteSpace(options.Storage.DataDirectory))
        {
            problems.Add("Storage:DataDirectory must not be empty.");
        }
        else if (options.Storage.DataDirectory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            problems.Add("Storage:DataDirectory contains characters not allowed in a path.");
        }
        ValidateAuthentication(options, problems);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private void ValidateAuthentication(DashboardOptions options, List<string> problems)
    {
        var auth = options.Authentication;
        switch (auth.Mode)
        {
            case AuthenticationMode.None:
                var exposed = ListenAddresses.BeyondLoopback(ListenAddresses.Configured(configuration));
                if (exposed.Count > 0 && !auth.AllowAnonymousOffLoopback)
                {
                    problems.Add($"The dashboard would listen on {string.Join(", ", exposed)}, beyond loopback, with no sign-in. Set Authentication:Mode " +
                        "to ApiKey or OpenIdConnect (or Authentication:AllowAnonymousOffLoopback to true behind a proxy that signs people in).");
                }
                break;
            case AuthenticationMode.ApiKey:
                if (auth.ApiKeys.Count == 0)
                {
                    problems.Add("Authentication:Mode is ApiKey but Authentication:ApiKeys lists no key.");
                }
                for (var i = 0; i < auth.ApiKeys.Count; i++)
                {
                    var key = auth.ApiKeys[i];
                    if (string.IsNullOrWhiteSpace(key.Name))
                    {
                        problems.Add($"Authentication:ApiKeys:{i}:Name is required (it names the user in the page and the logs).");
                    }
                    if (key.Key.Length < 16 || key.Key.Any(char.IsWhiteSpace))
                    {
                        problems.Add($"Authentication:ApiKeys:{i}:Key must be at least 16 characters with no white space.");
                    }
                }
                if (auth.ApiKeys.GroupBy(k => k.Key, StringComparer.Ordinal).Any(g => g.Count() > 1))
                {
                    problems.Add("Authentication:ApiKeys has the same key twice.");
                }
                break;
            case AuthenticationMode.OpenIdConnect:
                if (!Uri.TryCreate(auth.OpenIdConnect.Authority, UriKind.Absolute, out _))
                {
                    problems.Add("Authentication:OpenIdConnect:Authority must be the provider's absolute URL.");
                }
                if (string.IsNullOrWhiteSpace(auth.OpenIdConnect.ClientId))
                {
                    problems.Add("Authentication:OpenIdConnect:ClientId is required.");
                }
                break;
        }
        if (auth.SessionMinutes is < 1 or > 10_080)
        {
            problems.Add("Authentication:SessionMinutes must be between 1 and 10080 (a week).");
        }
    }
}
