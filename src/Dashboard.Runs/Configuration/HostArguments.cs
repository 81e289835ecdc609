namespace Dashboard.Runs.Configuration;

/// <summary>The command line both programs (the runs service alone, the dashboard) start their host with.</summary>
public static class HostArguments
{
    /// <summary>
    /// <paramref name="args"/> with the settings files read once, at start. By default the host watches its content root
    /// for changes to them, recursively; the default data path is relative, so a service started from the folder it is
    /// installed in keeps its database under that root, and every page SQLite writes woke the watcher (about a tenth of
    /// the runs service's CPU under ingestion: the kernel's notifications and the watcher's thread). Nothing here reads
    /// a setting again after start. A later <c>--hostBuilder:reloadConfigOnChange=true</c> still turns it back on.
    /// </summary>
    public static string[] WithSettingsReadOnce(string[] args) => ["--hostBuilder:reloadConfigOnChange=false", .. args];
}
