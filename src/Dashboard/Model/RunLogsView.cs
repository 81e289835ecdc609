using Dashboard.Client;
using Dashboard.Model.Runs;

namespace Dashboard.Model;

/// <summary>
/// A run's log lines as the logs panel shows them: a level (that level and above) and a text filter, the lines read so
/// far (oldest first) and the cursor of the next page. A change of filter starts again from the first page; a read that
/// a newer one has overtaken is dropped, so typing fast never shows an older filter's lines.
/// </summary>
/// <param name="runId">The run.</param>
/// <param name="step">When set, only the lines of that step (and that attempt, and that iteration, when given).</param>
public sealed class RunLogsView(string runId, (string StepId, int? Attempt, int? LoopIndex)? step = null)
{
    public const int PageSize = 200;

    private readonly List<RunLogLine> _lines = [];
    private int _generation;

    public string? Level { get; private set; }

    public string? Text { get; private set; }

    public IReadOnlyList<RunLogLine> Lines => _lines;

    /// <summary>The same lines as the collection Blazor's Virtualize takes (it reads them by index, it does not copy them).</summary>
    public ICollection<RunLogLine> LinesForDisplay => _lines;

    public bool HasMore => NextCursor is not null;

    public bool IsLoading { get; private set; }

    public bool HasLoaded { get; private set; }

    public string? Error { get; private set; }

    private string? NextCursor { get; set; }

    public Task SetFilterAsync(IRunsClient client, string? level, string? text, CancellationToken cancellationToken)
    {
        Level = string.IsNullOrEmpty(level) ? null : level;
        Text = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        _lines.Clear();
        NextCursor = null;
        HasLoaded = false;
        return ReadAsync(client, cancellationToken);
    }

    public Task LoadMoreAsync(IRunsClient client, CancellationToken cancellationToken) =>
        HasMore && !IsLoading ? ReadAsync(client, cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// The run has moved on (live): when every line so far is shown, read the lines after the last one, so that the panel
    /// follows the run. With pages still unread it waits for the reader to reach the end.
    /// </summary>
    public Task FollowAsync(IRunsClient client, CancellationToken cancellationToken)
    {
        if (!HasLoaded || HasMore || IsLoading)
        {
            return Task.CompletedTask;
        }
        NextCursor = _lines.Count == 0 ? null : _lines[^1].Seq.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return ReadAsync(client, cancellationToken);
    }

    private async Task ReadAsync(IRunsClient client, CancellationToken cancellationToken)
    {
        var generation = ++_generation;
        IsLoading = true;
        Error = null;
        try
        {
            var page = await client.Run(runId).LogsAsync(level: Level, stepId: step?.StepId, attempt: step?.Attempt, loopIndex: step?.LoopIndex, text: Text,
                cursor: NextCursor, limit: PageSize, cancellationToken: cancellationToken);
            if (generation != _generation)
            {
                return;
            }
            _lines.AddRange(page.Items);
            NextCursor = page.NextCursor;
            HasLoaded = true;
        }
        catch (Exception ex) when (ex is Client.Errors.RunsClientException && generation == _generation)
        {
            Error = ex.Message;
        }
        finally
        {
            if (generation == _generation)
            {
                IsLoading = false;
            }
        }
    }
}
