using Dashboard.Runs.Access;
using Dashboard.Streams.Hosting;
using Dashboard.Streams.Storage;

namespace Dashboard.Runs.Storage;

/// <summary>
/// Puts streams, the runs service's rows and the feed in the store <see cref="StorageSettings"/> names, so that a batch's
/// events and rows are one transaction on either.
/// </summary>
internal static class StorageRegistration
{
    public static IServiceCollection AddRunsStorage(this IServiceCollection services, IConfiguration configuration)
    {
        if (StorageSettings.PostgreSqlConnectionString(configuration) is not { } connectionString)
        {
            services.AddSingleton(sp => (SqliteStreamStore)sp.GetRequiredService<IStreamStore>());
            services.AddSingleton(sp => new SqliteSearchFile(sp.GetRequiredService<SqliteStreamStore>()));
            services.AddSingleton<RunsDatabase>(sp => new SqliteRunsDatabase(sp.GetRequiredService<SqliteStreamStore>(), sp.GetRequiredService<SqliteSearchFile>()));
            services.AddSingleton<IRequestRateLimiter, LocalRateLimiter>();
            return services;
        }
        // Registered before the streams' defaults (which only fill what is missing), so the engine runs on this store.
        services.AddSingleton(sp => new PostgreSqlStreamStore(connectionString, sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<IStreamStore>(sp => sp.GetRequiredService<PostgreSqlStreamStore>());
        // Search:NewestWindow is there for the tests, which reach below the window with a few documents, not 10,000.
        var newestWindow = configuration.GetValue<int?>("Search:NewestWindow") ?? PostgreSqlRunsDatabase.DefaultNewestWindow;
        services.AddSingleton<RunsDatabase>(sp => new PostgreSqlRunsDatabase(sp.GetRequiredService<PostgreSqlStreamStore>(), newestWindow));
        services.AddSingleton<PostgreSqlChangeRelayService>();
        services.AddHostedService(sp => sp.GetRequiredService<PostgreSqlChangeRelayService>());
        // Rate limits count every instance's requests.
        services.AddSingleton<SharedRateLimiter>();
        services.AddSingleton<IRequestRateLimiter>(sp => sp.GetRequiredService<SharedRateLimiter>());
        services.AddHostedService(sp => sp.GetRequiredService<SharedRateLimiter>());
        return services;
    }
}
