using Dashboard.Client;
using Dashboard.Model.Runs;

namespace Dashboard.Model;

/// <summary>
/// A run's log lines as the logs panel shows them: a level (that level and above) and a text filter, how many lines match
/// in all, and a window of pages read by offset around where the reader is, so that a scrollbar can stand for 100,000
/// lines, a jump to its middle reads one page, and a circuit holds a few thousand lines, not all of them. A change of
/// filter starts again; a read that a newer filter has overtaken is dropped, so typing fast never shows an older
/// filter's lines.
/// </summary>
/// <param name="runId">The run.</param>
/// <param name="step">When set, only the lines of that step (and that attempt, and that iteration, when given).</param>
public sealed class RunLogsView(string runId, (string StepId, int? Attempt, int? LoopIndex)? step = null)
{
    public const int PageSize = 200;

    /// <summary>Pages kept: several screens either side of the one shown; the farthest goes first.</summary>
    public const int MaxPages = 20;

    private readonly Dictionary<long, IReadOnlyList<RunLogLine>> _pages = [];
    private int _generation;

    public string? Level { get; private set; }

    public string? Text { get; private set; }

    /// <summary>How many lines match the filter, as of the last read that counted them.</summary>
    public long Total { get; private set; }

    public bool IsLoading { get; private set; }

    public bool HasLoaded { get; private set; }

    public string? Error { get; private set; }

    /// <summary>How many lines are held now (at most <see cref="MaxPages"/> pages).</summary>
    public int LinesHeld => _pages.Values.Sum(p => p.Count);

    /// <summary>A new filter: the first page is read (and the lines counted) again.</summary>
    public async Task SetFilterAsync(IRunsClient client, string? level, string? text, CancellationToken cancellationToken)
    {
        Level = string.IsNullOrEmpty(level) ? null : level;
        Text = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        _pages.Clear();
        Total = 0;
        HasLoaded = false;
        var generation = ++_generation;
        await ReadPageAsync(client, 0, generation, cancellationToken);
    }

    /// <summary>
    /// The lines from <paramref name="start"/> (at most <paramref name="count"/>), reading the pages not held; what the
    /// virtualised list asks for as it scrolls. Fewer when the filter changed meanwhile or a read failed.
    /// </summary>
    public async Task<IReadOnlyList<RunLogLine>> LinesAsync(IRunsClient client, long start, int count, CancellationToken cancellationToken)
    {
        var generation = _generation;
        var end = Math.Min(start + count, Total);
        if (end <= start)
        {
            return [];
        }
        var (first, last) = (start / PageSize, (end - 1) / PageSize);
        for (var page = first; page <= last; page++)
        {
            if (!_pages.ContainsKey(page) && !await ReadPageAsync(client, page, generation, cancellationToken))
            {
                break;
            }
        }
        Evict(first);
        var lines = new List<RunLogLine>(count);
        for (var index = start; index < end; index++)
        {
            if (!_pages.TryGetValue(index / PageSize, out var page) || index % PageSize >= page.Count)
            {
                break;
            }
            lines.Add(page[(int)(index % PageSize)]);
        }
        return lines;
    }

    /// <summary>
    /// The run has moved on (live): the lines are counted again. Returns whether there are more than before.
    /// </summary>
    public async Task<bool> FollowAsync(IRunsClient client, CancellationToken cancellationToken)
    {
        if (!HasLoaded || IsLoading)
        {
            return false;
        }
        var before = Total;
        // The first page read again says how many there are now.
        _pages.Remove(0);
        await ReadPageAsync(client, 0, _generation, cancellationToken);
        if (Total == before)
        {
            return false;
        }
        // Lines are listed by time, and a new one may belong anywhere (an OTLP step's lines come when its span ends):
        // every other page held may have moved. The list reads the pages it shows again.
        foreach (var page in _pages.Keys.Where(page => page != 0).ToList())
        {
            _pages.Remove(page);
        }
        return true;
    }

    private async Task<bool> ReadPageAsync(IRunsClient client, long page, int generation, CancellationToken cancellationToken)
    {
        IsLoading = true;
        Error = null;
        try
        {
            var read = await client.Run(runId).LogsAsync(level: Level, stepId: step?.StepId, attempt: step?.Attempt, loopIndex: step?.LoopIndex, text: Text,
                offset: page * PageSize, limit: PageSize, cancellationToken: cancellationToken);
            if (generation != _generation)
            {
                return false;
            }
            _pages[page] = read.Items;
            // Only the first page is counted; a later one that ends the lines says where they end.
            Total = read.Total ?? (read.NextCursor is null ? page * PageSize + read.Items.Count : Math.Max(Total, page * PageSize + read.Items.Count));
            HasLoaded = true;
            return true;
        }
        catch (Client.Errors.RunsClientException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (Client.Errors.RunsClientException ex) when (generation == _generation)
        {
            Error = ex.Message;
            return false;
        }
        finally
        {
            if (generation == _generation)
            {
                IsLoading = false;
            }
        }
    }

    /// <summary>Keeps the pages nearest the one shown.</summary>
    private void Evict(long shown)
    {
        while (_pages.Count > MaxPages)
        {
            _pages.Remove(_pages.Keys.MaxBy(page => Math.Abs(page - shown)));
        }
    }
}
