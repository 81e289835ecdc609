using Dashboard.Streams.Core;
using Dashboard.Streams.Hosting;
using Dashboard.Streams.Storage;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs.Storage;

/// <summary>
/// <c>Storage:Provider</c>: <c>Sqlite</c> (the default: one file, one machine) or <c>PostgreSql</c> (one database that
/// any number of instances share, <c>ConnectionStrings:Runs</c>). Streams, the runs service's rows and the feed all live
/// in the chosen store, so that a batch's events and rows are one transaction on either.
/// </summary>
internal static class StorageRegistration
{
    public const string Sqlite = "Sqlite";
    public const string PostgreSql = "PostgreSql";

    public static IServiceCollection AddRunsStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var provider = configuration["Storage:Provider"];
        if (string.IsNullOrWhiteSpace(provider) || provider.Equals(Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            services.AddSingleton(sp => (SqliteStreamStore)sp.GetRequiredService<IStreamStore>());
            services.AddSingleton<RunsDatabase>(sp => new SqliteRunsDatabase(sp.GetRequiredService<SqliteStreamStore>()));
            return services;
        }
        if (!provider.Equals(PostgreSql, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Storage:Provider is '{provider}'; it must be '{Sqlite}' (the default) or '{PostgreSql}'.");
        }
        var connectionString = configuration.GetConnectionString("Runs");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "Storage:Provider is PostgreSql but ConnectionStrings:Runs is not set (an Npgsql connection string, e.g. " +
                "'Host=db;Database=runs;Username=runs;Password=…').");
        }
        // Registered before the streams' defaults (which only fill what is missing), so the engine runs on this store.
        services.AddSingleton(sp => new PostgreSqlStreamStore(connectionString, sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<IStreamStore>(sp => sp.GetRequiredService<PostgreSqlStreamStore>());
        services.AddSingleton<RunsDatabase>(sp => new PostgreSqlRunsDatabase(sp.GetRequiredService<PostgreSqlStreamStore>()));
        services.AddSingleton<PostgreSqlChangeRelayService>();
        services.AddHostedService(sp => sp.GetRequiredService<PostgreSqlChangeRelayService>());
        return services;
    }
}
