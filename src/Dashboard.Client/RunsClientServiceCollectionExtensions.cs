using System.Net.Http.Headers;
using System.Text.Json;
using Dashboard.Client.Api;
using Dashboard.Model.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Refit;

namespace Dashboard.Client;

public static class RunsClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IRunsClient"/>, configured by <paramref name="configure"/> (base address required). Returns the
    /// HTTP client builder, to add handlers (resilience, logging) of your own.
    /// </summary>
    public static IHttpClientBuilder AddRunsClient(this IServiceCollection services, Action<IServiceProvider, RunsClientOptions> configure)
    {
        services.AddOptions<RunsClientOptions>().Configure<IServiceProvider>((options, sp) => configure(sp, options));
        services.AddTransient<RunsClient>();
        services.AddTransient<IRunsClient>(sp => sp.GetRequiredService<RunsClient>());
        return services.AddRefitGeneratedClient<IRunsApi>(_ => CreateSettings())
            .ConfigureHttpClient((sp, http) =>
            {
                var options = sp.GetRequiredService<IOptions<RunsClientOptions>>().Value;
                http.BaseAddress = options.BaseAddress ?? throw new InvalidOperationException("RunsClientOptions.BaseAddress is not set.");
                // Time-outs are per call (RunsClient.CallAsync) so that a live read can wait longer than an ordinary one.
                http.Timeout = Timeout.InfiniteTimeSpan;
                if (!string.IsNullOrEmpty(options.ApiKey))
                {
                    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
                }
            })
            .AddHttpMessageHandler(() => new WorkflowScopeHandler());
    }

    internal static RefitSettings CreateSettings()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        ModelJson.Configure(json);
        return new RefitSettings(new UnpooledJsonContentSerializer(json));
    }
}
