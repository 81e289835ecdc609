using System.Globalization;

namespace Dashboard.Model;

/// <summary>
/// How this browser tab shows times: UTC, or the viewer's own time zone (from the browser). One per circuit; the choice
/// is remembered in the browser.
/// </summary>
public sealed class TimeDisplay
{
    public bool UseUtc { get; private set; } = true;

    public TimeZoneInfo Zone { get; private set; } = TimeZoneInfo.Utc;

    public event Action? Changed;

    public void Set(bool useUtc, string? browserZone = null)
    {
        if (browserZone is not null && TimeZoneInfo.TryFindSystemTimeZoneById(browserZone, out var zone))
        {
            Zone = zone;
        }
        if (UseUtc != useUtc || browserZone is not null)
        {
            UseUtc = useUtc;
            Changed?.Invoke();
        }
    }

    public string Format(DateTimeOffset? at)
    {
        if (at is not { } value)
        {
            return "—";
        }
        if (UseUtc)
        {
            return value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) + " UTC";
        }
        var local = TimeZoneInfo.ConvertTime(value, Zone);
        var offset = local.Offset;
        var sign = offset < TimeSpan.Zero ? "-" : "+";
        return local.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) + $" {sign}{offset:hh\\:mm}";
    }

    public string ZoneLabel => UseUtc ? "UTC" : Zone.Id;

    /// <summary>The time of day to the millisecond (UTC or local as chosen), for tight columns; the full time goes in a tooltip.</summary>
    public string TimeOfDay(DateTimeOffset? at)
    {
        if (at is not { } value)
        {
            return "—";
        }
        var shown = UseUtc ? value.ToUniversalTime() : TimeZoneInfo.ConvertTime(value, Zone);
        return shown.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
    }

    /// <summary>A day and time to the minute, with its zone ("Dec 4, 14:00 UTC"), for a note in running text.</summary>
    public string Short(DateTimeOffset at)
    {
        var shown = UseUtc ? at.ToUniversalTime() : TimeZoneInfo.ConvertTime(at, Zone);
        return shown.ToString("MMM d, HH:mm", CultureInfo.InvariantCulture) + (UseUtc ? " UTC" : "");
    }

    /// <summary>A chart axis label: the day for day buckets, the time of day otherwise.</summary>
    public string Axis(DateTimeOffset at, bool days)
    {
        var shown = UseUtc ? at.ToUniversalTime() : TimeZoneInfo.ConvertTime(at, Zone);
        return shown.ToString(days ? "MMM d" : "HH:mm", CultureInfo.InvariantCulture);
    }
}
