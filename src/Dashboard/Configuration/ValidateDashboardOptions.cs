using Microsoft.Extensions.Options;

namespace Dashboard.Configuration;

/// <summary>Reports every problem of the settings at once, at start, rather than the first one at first use.</summary>
public sealed class ValidateDashboardOptions : IValidateOptions<DashboardOptions>
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
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
