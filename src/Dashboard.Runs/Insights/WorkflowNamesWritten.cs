using System.Collections.Concurrent;

namespace Dashboard.Runs.Insights;

/// <summary>
/// The workflow names this process wrote to <c>insight_workflows</c> lately. Every new run used to upsert its workflow's
/// row, and on PostgreSQL that row stayed locked to the commit: the first batches of one workflow's runs waited on each
/// other (5.8 ms a statement, the longest wait of ingestion's in pg_stat_statements; the ingest benchmark's throughput
/// did not move without it, so the wait was not what bounds that). A run whose workflow and name were written here lately
/// only inserts the row if it is missing (which locks nothing); a new name is written as before. An entry is trusted for a
/// minute, so that a name another instance wrote is put right by this one's runs within a minute; all are forgotten when a
/// write transaction fails, as what it wrote may not have been kept.
/// </summary>
internal sealed class WorkflowNamesWritten(TimeProvider time)
{
    private static readonly TimeSpan Trusted = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, (string? Name, DateTimeOffset At)> _written = new(StringComparer.Ordinal);

    /// <summary>Whether the workflow's row holds <paramref name="name"/> already (a run without a name keeps the row's).</summary>
    public bool Holds(string workflowId, string? name) =>
        _written.TryGetValue(workflowId, out var written) && (name is null || name == written.Name) && time.GetUtcNow() - written.At < Trusted;

    public void Wrote(string workflowId, string? name)
    {
        if (name is not null)
        {
            _written[workflowId] = (name, time.GetUtcNow());
        }
    }

    public void Forget() => _written.Clear();
}
