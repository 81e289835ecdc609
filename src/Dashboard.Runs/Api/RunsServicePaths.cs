namespace Dashboard.Runs.Api;

/// <summary>
/// The paths the runs service answers. A host that mounts the service beside pages (the embedded dashboard) keeps its
/// page middleware (status-code pages, the HTML error page) off them, so they answer exactly as the standalone service.
/// </summary>
public static class RunsServicePaths
{
    public static bool Owns(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/v1") || path.StartsWithSegments("/openapi");
}
