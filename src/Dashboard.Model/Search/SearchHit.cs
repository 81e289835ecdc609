namespace Dashboard.Model.Search;

/// <summary>
/// One place a search matched: the run, the step attempt (null for the run's own input and result), which payload, and a
/// piece of its text with the matches located, so a page can mark them without parsing markup out of a run's data.
/// </summary>
public sealed record SearchHit
{
    public required string RunId { get; init; }
    public required string WorkflowId { get; init; }
    public string? WorkflowName { get; init; }

    /// <summary>The run's status when the search ran (wire form: <c>running</c>, <c>failed</c>, …).</summary>
    public string? RunStatus { get; init; }
    public DateTimeOffset? StartedAt { get; init; }

    public string? StepId { get; init; }
    public int? Attempt { get; init; }
    public int? LoopIndex { get; init; }

    /// <summary>One of <see cref="SearchFields"/>.</summary>
    public required string Field { get; init; }

    /// <summary>For a <c>log</c> hit: the line's place among the run's log lines.</summary>
    public long? LogSeq { get; init; }

    /// <summary>Up to a couple of hundred characters around the first match, as stored (JSON text for payloads).</summary>
    public required string Snippet { get; init; }

    /// <summary>Where in <see cref="Snippet"/> the searched words are: the match marked.</summary>
    public IReadOnlyList<TextMatch> Matches { get; init; } = [];
}

/// <summary>A range of a snippet: <see cref="Start"/> and <see cref="Length"/> in UTF-16 characters.</summary>
public sealed record TextMatch(int Start, int Length);

/// <summary>A page of search hits, newest indexed first; <see cref="NextCursor"/> continues after the last.</summary>
public sealed record SearchPage(IReadOnlyList<SearchHit> Items, string? NextCursor)
{
    /// <summary>
    /// The index had not caught up with everything stored before the search when the service stopped waiting for it
    /// (ingestion heavier than the indexer keeps up with): the newest matches may be missing, a search a little later finds them.
    /// </summary>
    public bool IndexBehind { get; init; }
}

/// <summary>The payloads a search looks in, as <see cref="SearchHit.Field"/> names them.</summary>
public static class SearchFields
{
    public const string Input = "input";
    public const string Output = "output";
    public const string MappedOutput = "mappedOutput";
    public const string Error = "error";
    public const string Log = "log";
    public const string RunInput = "runInput";
    public const string Result = "result";
}
