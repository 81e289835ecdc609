using System.Globalization;
using Dashboard.Model.Events;
using Dashboard.Model.Reducing;

namespace Dashboard.Runs.Ingestion;

/// <summary>
/// Refuses events stamped far ahead of this service's clock. Workers' clocks drift by seconds or minutes, which is
/// taken; an event from next year is a broken clock or a unit mistake (seconds read as milliseconds), and stored it
/// would stay at the top of the executions list (newest first) for as long as the year lasts, and no retention would
/// ever reach it. Past times are taken as they come: engines report history too.
/// </summary>
internal static class EventClockCheck
{
    /// <summary>The first event whose time is more than <paramref name="maxAhead"/> past <paramref name="now"/>; none when the limit is off (0).</summary>
    public static EventRejection? FirstTooFarAhead(IReadOnlyList<RunEvent> events, DateTimeOffset now, TimeSpan maxAhead)
    {
        if (maxAhead <= TimeSpan.Zero)
        {
            return null;
        }
        var limit = now + maxAhead;
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Timestamp is { } at && at > limit)
            {
                return new EventRejection(i, events[i].Type, "timestamp",
                    $"is {Describe(at - now)} ahead of the service's clock ({now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}); " +
                    $"at most {Describe(maxAhead)} is taken (Runs:MaxClockAheadSeconds)");
            }
        }
        return null;
    }

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 2 ? $"{Math.Floor(span.TotalDays).ToString(CultureInfo.InvariantCulture)} days"
        : span.TotalHours >= 2 ? $"{Math.Floor(span.TotalHours).ToString(CultureInfo.InvariantCulture)} hours"
        : span.TotalMinutes >= 2 ? $"{Math.Floor(span.TotalMinutes).ToString(CultureInfo.InvariantCulture)} minutes"
        : $"{Math.Floor(span.TotalSeconds).ToString(CultureInfo.InvariantCulture)} seconds";
}
