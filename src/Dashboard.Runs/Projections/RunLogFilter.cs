namespace Dashboard.Runs.Projections;

/// <summary>What <c>GET /api/runs/{runId}/logs</c> narrows a run's log lines to; null parts do not narrow.</summary>
internal sealed record RunLogFilter(int? MinimumRank, string? StepId, int? Attempt, int? LoopIndex, string? Text)
{
    public const int DefaultLimit = 200;
    public const int MaxLimit = 1000;
    public const int MaxTextLength = 200;

    /// <summary>The query's filter, cursor (the last line's seq) and page size, or what is wrong with it.</summary>
    public static (RunLogFilter? Filter, long After, int Limit, string? Error) Parse(IQueryCollection query)
    {
        int? rank = null;
        if (query["level"].ToString() is { Length: > 0 } level)
        {
            rank = Dashboard.Model.Runs.LogLevels.ParseFilter(level);
            if (rank is null)
            {
                return (null, 0, 0, "level must be debug, info, warn or error (that level and above).");
            }
        }
        if (!Whole(query, "attempt", 1, out var attempt) || !Whole(query, "loopIndex", 0, out var loopIndex))
        {
            return (null, 0, 0, "attempt must be a whole number from 1, loopIndex one from 0.");
        }
        var text = query["q"].ToString();
        if (text.Length > MaxTextLength)
        {
            return (null, 0, 0, $"q is at most {MaxTextLength} characters.");
        }
        long after = 0;
        if (query["cursor"].ToString() is { Length: > 0 } cursor && (!long.TryParse(cursor, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out after)))
        {
            return (null, 0, 0, "cursor is not one this API gave (use nextCursor of the previous page).");
        }
        var limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } limitText && (!int.TryParse(limitText, out limit) || limit is < 1 or > MaxLimit))
        {
            return (null, 0, 0, $"limit must be from 1 to {MaxLimit}.");
        }
        var stepId = query["stepId"].ToString();
        return (new RunLogFilter(rank, stepId.Length == 0 ? null : stepId, attempt, loopIndex, string.IsNullOrWhiteSpace(text) ? null : text.Trim()), after, limit, null);
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
