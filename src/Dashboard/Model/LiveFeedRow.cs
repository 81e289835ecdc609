using Dashboard.Model.Runs;

namespace Dashboard.Model;

/// <summary>
/// One row of the live feed: a change of a run, either the one its feed entry is named after (<see cref="IsLatest"/>)
/// or one of the batch's earlier changes that entry lists.
/// </summary>
/// <param name="Index">0 for the entry's own change, then 1, 2… going back through its batch (with the feed offset, the row's key).</param>
/// <param name="LeftOut">On the oldest row listed, how many changes of the batch before it are not.</param>
public sealed record LiveFeedRow(RunChange Change, int Index, string? Event, DateTimeOffset? At, string? StepId, int? LoopIndex, string? StepError, bool? WillRetry, int LeftOut)
{
    public bool IsLatest => Index == 0;

    public string RunId => Change.RunId;

    public string Key => $"{Change.FeedOffset ?? Change.RunId + Change.Offset}#{Index}";

    /// <summary>The change's rows, newest first.</summary>
    public static IEnumerable<LiveFeedRow> Of(RunChange change)
    {
        var earlier = change.Earlier ?? [];
        var leftOut = change.EarlierLeftOut ?? 0;
        yield return new LiveFeedRow(change, 0, change.Event, change.At, change.StepId, change.LoopIndex, change.StepError, change.WillRetry, earlier.Count == 0 ? leftOut : 0);
        for (var i = earlier.Count - 1; i >= 0; i--)
        {
            var e = earlier[i];
            yield return new LiveFeedRow(change, earlier.Count - i, e.Event, e.At, e.StepId, e.LoopIndex, e.StepError, e.WillRetry, i == 0 ? leftOut : 0);
        }
    }
}
