namespace Dashboard.Runs.Storage;

/// <summary>
/// <c>Storage:Provider</c>: <c>Sqlite</c> (the default: one file, one machine) or <c>PostgreSql</c> (one database that
/// any number of instances share, at <c>ConnectionStrings:Runs</c>). Read by the runs service for its store, and by the
/// dashboard for what its instances must share (the keys that protect sign-in sessions).
/// </summary>
public static class StorageSettings
{
    public const string Sqlite = "Sqlite";
    public const string PostgreSql = "PostgreSql";

    /// <summary>The PostgreSQL connection string when that is the provider; null on SQLite. A bad setting throws, saying which.</summary>
    public static string? PostgreSqlConnectionString(IConfiguration configuration)
    {
        var provider = configuration["Storage:Provider"];
        if (string.IsNullOrWhiteSpace(provider) || provider.Equals(Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        if (!provider.Equals(PostgreSql, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Storage:Provider is '{provider}'; it must be '{Sqlite}' (the default) or '{PostgreSql}'.");
        }
        var connectionString = configuration.GetConnectionString("Runs");
        return string.IsNullOrWhiteSpace(connectionString)
            ? throw new InvalidOperationException(
                "Storage:Provider is PostgreSql but ConnectionStrings:Runs is not set (an Npgsql connection string, e.g. " +
                "'Host=db;Database=runs;Username=runs;Password=…').")
            : connectionString;
    }
}
