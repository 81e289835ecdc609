namespace Dashboard.Runs.Storage;

/// <summary>
/// Text as the stores can hold it. PostgreSQL refuses U+0000 in a text value: a log line, an error message or a workflow
/// name that an engine wrote with <c>\u0000</c> (valid JSON) failed its whole batch with a 500 there, and, in an error
/// indexed for search, stopped the search indexer at that batch for good. A null character becomes U+FFFD in every value
/// a statement is given, on SQLite too, so that both stores answer alike. JSON never holds one raw (the serialiser
/// escapes it, and a payload with one unescaped is not JSON), so what the API serves from the rows' JSON (records, traces,
/// log lines) keeps the character as it came; only plain text columns (the search text, names kept for filters) change.
/// </summary>
internal static class StorableText
{
    private const char Replacement = '\uFFFD';

    public static object? Of(object? value) => value switch
    {
        string text when text.Contains('\0') => text.Replace('\0', Replacement),
        string?[] texts when Array.Exists(texts, t => t is not null && t.Contains('\0')) => Array.ConvertAll(texts, t => t?.Replace('\0', Replacement)),
        _ => value,
    };
}
