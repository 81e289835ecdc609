using System.Globalization;

namespace Dashboard.Model;

/// <summary>How numbers, money, durations and times read on the pages. Plain functions, tested apart from markup.</summary>
public static class DisplayFormat
{
    /// <summary>
    /// A step's time in a rollup: its ended attempts' time, and how many have not ended. A step waiting for input read
    /// "0 ms" beside a timeline that showed it open for seconds.
    /// </summary>
    public static string StepTime(Dashboard.Model.Rollups.StepRollup step) => step.Unfinished switch
    {
        0 => Duration(step.DurationMs),
        _ when step.Unfinished == step.Attempts => "— (not ended)",
        _ => $"{Duration(step.DurationMs)} + {step.Unfinished} not ended",
    };

    public static string Duration(long? milliseconds)
    {
        if (milliseconds is not { } ms)
        {
            return "—";
        }
        if (ms < 1000)
        {
            return $"{ms} ms";
        }
        // In whole units, not through a TimeSpan: an engine's durationMs of 2^63-1 overflowed it and took the run page down.
        if (ms < 60_000)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{ms / 1000.0:0.##} s");
        }
        var minutes = ms / 60_000;
        if (minutes < 60)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{minutes}m {ms / 1000 % 60:00}s");
        }
        return string.Create(CultureInfo.InvariantCulture, $"{minutes / 60:#,0}h {minutes % 60:00}m");
    }

    /// <summary>Money exactly as stored, at least two decimals, never rounded through a double.</summary>
    public static string Cost(decimal? usd)
    {
        if (usd is not { } value)
        {
            return "—";
        }
        var text = value.ToString("0.00########################", CultureInfo.InvariantCulture);
        return "$" + text;
    }

    /// <summary>The tooltip of a rounded amount: the exact one, or that nothing reported a cost (the cell shows "—").</summary>
    public static string CostTooltip(decimal? usd) => usd is null ? "No cost reported" : $"exactly {Cost(usd)}";

    /// <summary>
    /// Money summed over many runs, to the cent from a dollar up and to four significant decimals below (the exact
    /// amount goes in a tooltip): "$12.40", "$0.1011", "$0.000945".
    /// </summary>
    public static string Money(decimal? usd)
    {
        if (usd is not { } value)
        {
            return "—";
        }
        if (Math.Abs(value) >= 1 || value == 0)
        {
            return "$" + value.ToString("#,0.00", CultureInfo.InvariantCulture);
        }
        var decimals = 2;
        for (var scaled = Math.Abs(value) * 100; scaled < 1000 && decimals < 12; scaled *= 10)
        {
            decimals++;
        }
        return "$" + Math.Round(value, decimals).ToString("0.00" + new string('#', decimals - 2), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// What the timeline holds, counted the way the header counts: "13 attempts of 1 step (12 loop iterations) shown".
    /// A loop's iterations are one step; each retry is one more attempt.
    /// </summary>
    public static string AttemptsShown(IReadOnlyCollection<Runs.StepTrace> attempts)
    {
        var steps = new HashSet<string>(StringComparer.Ordinal);
        var iterations = new HashSet<(string, int)>();
        foreach (var attempt in attempts)
        {
            steps.Add(attempt.StepId);
            if (attempt.LoopIndex is { } loop)
            {
                iterations.Add((attempt.StepId, loop));
            }
        }
        return AttemptsShown(attempts.Count, steps.Count, iterations.Count);
    }

    public static string AttemptsShown(int attempts, int steps, int iterations)
    {
        var text = $"{Count(attempts)} {Plural(attempts, "attempt")} of {Count(steps)} {Plural(steps, "step")}";
        return text + (iterations > 0 ? $" ({Count(iterations)} loop {Plural(iterations, "iteration")}) shown" : " shown");
    }

    private static string Plural(long count, string word) => count == 1 ? word : word + "s";

    public static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Relative(DateTimeOffset? when, DateTimeOffset now)
    {
        if (when is not { } at)
        {
            return "—";
        }
        var ago = now - at;
        return ago switch
        {
            { TotalSeconds: < 0 } => "just now",
            { TotalSeconds: < 60 } => $"{(int)ago.TotalSeconds}s ago",
            { TotalMinutes: < 60 } => $"{(int)ago.TotalMinutes}m ago",
            { TotalHours: < 24 } => $"{(int)ago.TotalHours}h ago",
            _ => $"{(int)ago.TotalDays}d ago",
        };
    }

    /// <summary>An absolute time in UTC, ISO-like, unambiguous across time zones.</summary>
    public static string Utc(DateTimeOffset? when) =>
        when is { } at ? at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff 'UTC'", CultureInfo.InvariantCulture) : "—";

    public static string Size(long? bytes) => bytes switch
    {
        null => "—",
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.##} MB"),
    };

    public static string Tokens(long value) => value >= 10_000
        ? string.Create(CultureInfo.InvariantCulture, $"{value / 1000.0:0.#}k")
        : Count(value);
}
