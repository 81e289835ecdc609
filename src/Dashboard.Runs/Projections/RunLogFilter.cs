namespace Dashboard.Runs.Projections;

/// <summary>What <c>GET /api/runs/{runId}/logs</c> narrows a run's log lines to; null parts do not narrow.</summary>
internal sealed record RunLogFilter(int? MinimumRank, string? StepId, int? Attempt, int? LoopIndex, string? Text)
{
    public const int DefaultLimit = 200;
    public const int MaxLimit = 1000;
    public const int MaxTextLength = 200;

    public const string UnknownCursor = "cursor is not one this API gave (use nextCursor of the previous page).";

    /// <summary>
    /// The query's filter, where the page starts (after a cursor, the last line's seq; or at an offset, how many matching
    /// lines come before it) and page size, or what is wrong with it.
    /// </summary>
    public static (RunLogFilter? Filter, LogPageStart Start, int Limit, string? Error) Parse(IQueryCollection query)
    {
        int? rank = null;
        if (query["level"].ToString() is { Length: > 0 } level)
        {
            rank = Dashboard.Model.Runs.LogLevels.ParseFilter(level);
            if (rank is null)
            {
                return (null, default, 0, "level must be debug, info, warn or error (that level and above).");
            }
        }
        if (!Whole(query, "attempt", 1, out var attempt) || !Whole(query, "loopIndex", 0, out var loopIndex))
        {
            return (null, default, 0, "attempt must be a whole number from 1, loopIndex one from 0.");
        }
        var text = query["q"].ToString();
        if (text.Length > MaxTextLength)
        {
            return (null, default, 0, $"q is at most {MaxTextLength} characters.");
        }
        long after = 0;
        if (query["cursor"].ToString() is { Length: > 0 } cursor && (!long.TryParse(cursor, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out after)))
        {
            return (null, default, 0, UnknownCursor);
        }
        long? offset = null;
        if (query["offset"].ToString() is { Length: > 0 } offsetText)
        {
            if (!long.TryParse(offsetText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
            {
                return (null, default, 0, "offset must be a whole number from 0.");
            }
            if (query["cursor"].ToString().Length > 0)
            {
                return (null, default, 0, "Give cursor or offset, not both.");
            }
            offset = parsed;
        }
        var limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } limitText && (!int.TryParse(limitText, out limit) || limit is < 1 or > MaxLimit))
        {
            return (null, default, 0, $"limit must be from 1 to {MaxLimit}.");
        }
        var stepId = query["stepId"].ToString();
        return (new RunLogFilter(rank, stepId.Length == 0 ? null : stepId, attempt, loopIndex, string.IsNullOrWhiteSpace(text) ? null : text.Trim()), new LogPageStart(after, offset), limit, null);
    }

    private static bool Whole(IQueryCollection query, string name, int minimum, out int? value)
    {
        value = null;
        var text = query[name].ToString();
        if (text.Length == 0)
        {
            return true;
        }
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed) || parsed < minimum)
        {
            return false;
        }
        value = parsed;
        return true;
    }
}

/// <summary>Where a page of log lines starts: after the line with seq <see cref="After"/>, or (when set) after <see cref="Offset"/> matching lines.</summary>
internal readonly record struct LogPageStart(long After, long? Offset)
{
    /// <summary>The first page (no cursor, no offset) counts the matching lines; the pages after it need not pay for that.</summary>
    public bool CountsTotal => After == 0 && Offset is null or 0;
}
