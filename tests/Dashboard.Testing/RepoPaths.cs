namespace Dashboard.Testing;

public static class RepoPaths
{
    /// <summary>The repository root: the folder above the test binaries that holds Dashboard.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release, as the calling tests were built; the apps under test are built the same way.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>Screenshots, logs and reports kept after a run (git-ignored).</summary>
    public static string Artifacts(string area) => Directory.CreateDirectory(Path.Combine(Root, "artifacts", area)).FullName;

    /// <summary>The built entry assembly of a project under src/.</summary>
    public static string BuiltApp(string project)
    {
        var dll = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", project + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build {project} first: {dll} is missing.");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dashboard.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Dashboard.sln not found above " + AppContext.BaseDirectory);
    }
}
