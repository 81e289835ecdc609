using Dashboard.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Dashboard.Health;

/// <summary>
/// Ready means the dashboard can show data: a remote runs service answers its liveness probe, or, embedded, the
/// data directory is writable.
/// </summary>
public sealed class BackendHealthCheck(IOptions<DashboardOptions> options, IHttpClientFactory httpClientFactory) : IHealthCheck
{
    public const string HttpClientName = "backend-health";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var backend = options.Value.Backend;
        if (backend.IsEmbedded)
        {
            return CheckDataDirectory(options.Value.Storage.DataDirectory);
        }
        try
        {
            var http = httpClientFactory.CreateClient(HttpClientName);
            using var response = await http.GetAsync(new Uri(new Uri(backend.BaseUrl!), "health/live"), cancellationToken);
            return response.IsSuccessStatusCode
                ? HealthCheckResult.Healthy("The runs service answers.")
                : HealthCheckResult.Unhealthy($"The runs service answered {(int)response.StatusCode}.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return HealthCheckResult.Unhealthy("The runs service cannot be reached.", ex);
        }
    }

    private static HealthCheckResult CheckDataDirectory(string directory)
    {
        try
        {
            var full = Path.GetFullPath(directory);
            Directory.CreateDirectory(full);
            var probe = Path.Combine(full, $".probe-{Environment.ProcessId}");
            File.WriteAllText(probe, "ok");
            File.Delete(probe);
            return HealthCheckResult.Healthy("The data directory is writable.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy("The data directory is not writable.", ex);
        }
    }
}
