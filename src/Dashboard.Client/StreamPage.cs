namespace Dashboard.Client;

/// <summary>A read of a run's stream: the events, where to resume, and whether the run's stream has ended.</summary>
public sealed record StreamPage<T>(IReadOnlyList<T> Items, string NextOffset, bool UpToDate, bool Closed);
