namespace Dashboard.Configuration;

/// <summary><c>Runs:TraceLinkTemplate</c>: a tracing tool's URL with <c>{traceId}</c> and <c>{spanId}</c> (see <see cref="Model.TraceLinks"/>).</summary>
public sealed class TraceLinkOptions
{
    public string? TraceLinkTemplate { get; set; }
}
