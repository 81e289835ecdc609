using Dashboard.Streams.Core;
using Dashboard.Streams.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Dashboard.Streams.Hosting;

public static class StreamsServiceCollectionExtensions
{
    /// <summary>Registers the stream engine on the SQLite store, with the expiry sweeper. Settings from <c>Streams</c>.</summary>
    public static IServiceCollection AddDurableStreams(this IServiceCollection services, IConfiguration? section = null)
    {
        var builder = services.AddOptions<StreamsOptions>();
        if (section is not null)
        {
            builder.Bind(section);
        }
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StreamNotifier>();
        services.TryAddSingleton<StreamCursor>();
        services.TryAddSingleton<IStreamStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StreamsOptions>>().Value;
            return new SqliteStreamStore(options.DatabasePath, sp.GetRequiredService<TimeProvider>(), options.SynchronousFull);
        });
        services.TryAddSingleton(sp => new DurableStreamEngine(
            sp.GetRequiredService<IStreamStore>(), sp.GetRequiredService<StreamNotifier>(), sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<ExpirySweeper>();
        return services;
    }
}
