using Dashboard.Client;
using Dashboard.Client.Errors;
using Dashboard.Model.Control;
using Dashboard.Model.Runs;

namespace Dashboard.Model;

/// <summary>
/// Runs picked on the list (one by one, or every run matching the filter), and one action asked of each with a running
/// count: how many were requested, how many did not fit (a run that ended meanwhile), how many failed.
/// </summary>
public sealed class BulkActionView
{
    /// <summary>"All matching" picks at most this many runs: a bulk action is a page of decisions, not a migration.</summary>
    public const int MaxRuns = 1000;

    private readonly Dictionary<string, RunRecord> _picked = new(StringComparer.Ordinal);

    public IReadOnlyCollection<RunRecord> Picked => _picked.Values;

    public bool IsPicked(string runId) => _picked.ContainsKey(runId);

    public string? Confirming { get; private set; }

    public bool IsRunning { get; private set; }

    public int Requested { get; private set; }

    public int Skipped { get; private set; }

    public int Failed { get; private set; }

    public int Total { get; private set; }

    public void Toggle(RunRecord run, bool on)
    {
        if (on)
        {
            _picked[run.Id] = run;
        }
        else
        {
            _picked.Remove(run.Id);
        }
    }

    public void PickAll(IEnumerable<RunRecord> runs)
    {
        foreach (var run in runs.Take(MaxRuns - _picked.Count))
        {
            _picked[run.Id] = run;
        }
    }

    public void Clear()
    {
        _picked.Clear();
        Confirming = null;
        Total = 0;
    }

    public void Confirm(string action) => Confirming = action;

    public void Back() => Confirming = null;

    /// <summary>Every run of the filter, page after page (up to <see cref="MaxRuns"/>).</summary>
    public async Task PickAllMatchingAsync(IRunsClient client, RunsQuery query, CancellationToken cancellationToken)
    {
        await foreach (var page in client.ListAllRunsAsync(query with { Limit = 200, Cursor = null, IncludeCounts = false }, cancellationToken))
        {
            PickAll(page.Items);
            if (_picked.Count >= MaxRuns)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Asks the action of every picked run the viewer may act on, one at a time, <paramref name="changed"/> called after
    /// each so the count moves. A run whose status no longer fits is skipped, not failed.
    /// </summary>
    public async Task RunAsync(IRunsClient client, Func<RunRecord, bool> mayAct, string? actingFor, Func<Task> changed, CancellationToken cancellationToken)
    {
        if (Confirming is not { } action)
        {
            return;
        }
        var runs = _picked.Values.ToList();
        (IsRunning, Requested, Skipped, Failed, Total) = (true, 0, 0, 0, runs.Count);
        var batch = Guid.NewGuid().ToString("N");
        try
        {
            foreach (var run in runs)
            {
                if (!mayAct(run) || ControlActions.Problem(action, run.Status) is not null)
                {
                    Skipped++;
                }
                else
                {
                    try
                    {
                        // The same key for a run within this bulk action: a retried click asks once.
                        await client.Run(run.Id).RequestAsync(action, idempotencyKey: $"bulk-{batch}-{run.Id}", actingFor: actingFor, cancellationToken: cancellationToken);
                        Requested++;
                    }
                    catch (InvalidInputException)
                    {
                        Skipped++;
                    }
                    catch (RunsClientException)
                    {
                        Failed++;
                    }
                }
                await changed();
            }
        }
        finally
        {
            IsRunning = false;
            Confirming = null;
        }
    }

    public string Progress => $"{Requested} of {Total} requested" + (Skipped > 0 ? $", {Skipped} skipped (not {(Skipped == 1 ? "its" : "their")} status, or not yours to act on)" : "") + (Failed > 0 ? $", {Failed} failed" : "");
}
