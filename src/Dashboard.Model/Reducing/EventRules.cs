using System.Text.Json;
using Dashboard.Model.Runs;

namespace Dashboard.Model.Reducing;

/// <summary>Field rules of run-events.md that do not depend on the run's state.</summary>
internal static class EventRules
{
    public static readonly IReadOnlySet<string> LogLevels = new HashSet<string>(StringComparer.Ordinal)
    {
        "debug", "info", "warn", "error",
    };

    /// <summary>Ids follow <see cref="Ids"/> (they end up in URLs, logs and titles).</summary>
    public static string? CheckId(string? value, bool required) =>
        value is null ? (required ? "is required" : null) : Ids.Problem(value);

    public static string? CheckNonNegative(long? value) => value is < 0 ? "must not be negative" : null;

    public static (string Field, string Message)? CheckTokens(TokenBreakdown? tokens)
    {
        if (tokens is null)
        {
            return null;
        }
        if (tokens.Prompt < 0)
        {
            return ("tokens.prompt", "must not be negative");
        }
        if (tokens.Cached < 0)
        {
            return ("tokens.cached", "must not be negative");
        }
        if (tokens.Completion < 0)
        {
            return ("tokens.completion", "must not be negative");
        }
        if (tokens.Total < 0)
        {
            return ("tokens.total", "must not be negative");
        }
        if (tokens.Cached > tokens.Prompt)
        {
            // Cached tokens are the part of the prompt read from cache; more cached than prompt means the engine
            // counted them apart, and the totals would be wrong either way.
            return ("tokens.cached", $"must not exceed tokens.prompt ({tokens.Cached} > {tokens.Prompt})");
        }
        if (tokens.Total != 0 && tokens.Total != tokens.Prompt + tokens.Completion)
        {
            return ("tokens.total", $"must equal prompt + completion ({tokens.Prompt + tokens.Completion}), got {tokens.Total}");
        }
        return null;
    }

    public static string? CheckCost(decimal? cost) => cost is < 0 ? "must be a non-negative decimal string" : null;

    public static string? CheckKind(JsonElement? value, JsonValueKind kind) =>
        value is { } v && v.ValueKind != kind && v.ValueKind != JsonValueKind.Null
            ? $"must be a JSON {kind.ToString().ToLowerInvariant()}"
            : null;

    public static (string Field, string Message)? CheckError(ErrorInfo? error, bool required)
    {
        if (error is null)
        {
            return required ? ("error", "is required") : null;
        }
        if (string.IsNullOrEmpty(error.Message))
        {
            return ("error.message", "is required");
        }
        return null;
    }
}
