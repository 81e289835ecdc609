namespace Dashboard.Configuration;

/// <summary>The dashboard's settings (appsettings.json, environment, command line).</summary>
public sealed class DashboardOptions
{
    public BackendOptions Backend { get; set; } = new();
    public StorageOptions Storage { get; set; } = new();
    public SampleWorkloadOptions SampleWorkload { get; set; } = new();
    public DashboardAuthenticationOptions Authentication { get; set; } = new();

}

public sealed class BackendOptions
{
    /// <summary>A runs service elsewhere. Unset: the runs service is mounted in this process (the embedded default).</summary>
    public string? BaseUrl { get; set; }

    public string? ApiKey { get; set; }

    public int TimeoutSeconds { get; set; } = 30;

    public bool IsEmbedded => string.IsNullOrWhiteSpace(BaseUrl);
}

public sealed class StorageOptions
{
    /// <summary>Where the embedded service keeps its SQLite file; relative paths are under the working directory.</summary>
    public string DataDirectory { get; set; } = "data";
}

public sealed class SampleWorkloadOptions
{
    public bool Enabled { get; set; } = true;
}
