namespace Dashboard.Runs.Search;

/// <summary>
/// One searchable text: a payload of an attempt, of the run, or a log line, with where it belongs. <see cref="StepId"/>
/// is null for the run's own input, result and error.
/// </summary>
internal sealed record SearchDocument(string? StepId, long LoopKey, int? Attempt, string Field, long? LogSeq, string Body);
