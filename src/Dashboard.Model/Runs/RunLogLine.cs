using System.Text.Json;

namespace Dashboard.Model.Runs;

/// <summary>One log line an engine sent for a run (a <c>log</c> event), as the logs API serves it.</summary>
public sealed record RunLogLine
{
    /// <summary>Its place among the run's log lines, from 1: what a page's cursor continues after.</summary>
    public long Seq { get; init; }

    public DateTimeOffset? Timestamp { get; init; }

    /// <summary><c>debug</c>, <c>info</c>, <c>warn</c> or <c>error</c> (<c>info</c> when the engine sent none).</summary>
    public required string Level { get; init; }

    public string? Message { get; init; }

    public string? StepId { get; init; }

    public int? Attempt { get; init; }

    public int? LoopIndex { get; init; }

    /// <summary>The event's other fields (structured context), secrets masked; null when there are none.</summary>
    public IReadOnlyDictionary<string, JsonElement>? Fields { get; init; }
}

/// <summary>
/// A page of a run's log lines in time order (of one time, in the order they came); <see cref="NextCursor"/> continues after the last. <see cref="Total"/>
/// (how many lines match the filter in all) comes with the first page (read with no cursor and no offset, or offset 0).
/// </summary>
public sealed record RunLogPage(IReadOnlyList<RunLogLine> Items, string? NextCursor, long? Total = null);

/// <summary>The levels of run-events.md, ranked so that a filter means "this level and above".</summary>
public static class LogLevels
{
    public static readonly string[] Known = ["debug", "info", "warn", "error"];

    /// <summary>The level as stored: one of <see cref="Known"/> (the parser accepts no other), <c>info</c> when absent.</summary>
    public static string Normalize(string? level) => level is not null && Known.Contains(level) ? level : "info";

    public static int Rank(string normalized) => Array.IndexOf(Known, normalized);

    /// <summary>A filter's level (that level and above): its rank, or null when it is not one of <see cref="Known"/>.</summary>
    public static int? ParseFilter(string text) => Array.IndexOf(Known, text.Trim().ToLowerInvariant()) is >= 0 and var rank ? rank : null;
}
