using System.Globalization;
using System.Text;
using Dashboard.Model.Runs;

namespace Dashboard.Model;

/// <summary>Every attempt as CSV, safe to open in a spreadsheet: quoted, and formula-like cells neutralised.</summary>
public static class StepsCsv
{
    /// <summary>
    /// The UTF-8 byte order mark the file starts with: without it Excel reads a CSV in the machine's legacy code page,
    /// and step names and error messages in any script but ASCII come out garbled.
    /// </summary>
    public const char ByteOrderMark = '\uFEFF';

    public const string MimeType = "text/csv;charset=utf-8";

    private static readonly string[] Header =
    [
        "stepId", "stepName", "loopIndex", "attempt", "status", "startedAt", "completedAt", "durationMs", "model",
        "promptTokens", "cachedTokens", "completionTokens", "totalTokens", "costUsd", "error",
    ];

    public static string Write(IEnumerable<StepTrace> attempts)
    {
        var csv = new StringBuilder().Append(ByteOrderMark);
        csv.AppendJoin(',', Header).Append("\r\n");
        foreach (var a in attempts)
        {
            string?[] cells =
            [
                a.StepId, a.StepName, a.LoopIndex?.ToString(CultureInfo.InvariantCulture), a.Attempt.ToString(CultureInfo.InvariantCulture),
                a.Status.ToString().ToLowerInvariant(), Time(a.StartedAt), Time(a.CompletedAt), a.DurationMs?.ToString(CultureInfo.InvariantCulture),
                a.ModelUsed, a.Tokens?.Prompt.ToString(CultureInfo.InvariantCulture), a.Tokens?.Cached.ToString(CultureInfo.InvariantCulture),
                a.Tokens?.Completion.ToString(CultureInfo.InvariantCulture), a.Tokens?.Total.ToString(CultureInfo.InvariantCulture),
                a.CostUsd?.ToString(CultureInfo.InvariantCulture), a.ErrorContext?.Message,
            ];
            csv.AppendJoin(',', cells.Select(Cell)).Append("\r\n");
        }
        return csv.ToString();
    }

    private static string? Time(DateTimeOffset? at) => at is { } t ? Json.Rfc3339DateTimeOffsetConverter.Format(t) : null;

    private static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }
        // A cell starting with = + - @ is a formula to a spreadsheet: data from a run must never run there.
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }
        return "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
