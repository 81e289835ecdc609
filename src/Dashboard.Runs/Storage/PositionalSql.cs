using System.Collections.Concurrent;
using System.Text;

namespace Dashboard.Runs.Storage;

/// <summary>
/// A statement's text with its <c>@name</c> placeholders written as PostgreSQL's <c>$1</c>, <c>$2</c>… and the names in
/// that order. Npgsql rewrites a statement with named parameters so itself, parsing its whole text at every execution:
/// under ingestion on PostgreSQL that parse was about 8 % of the service's CPU, for the same few statements a few
/// hundred times a batch. A statement whose parameters are positional (unnamed) is sent as it is.
/// </summary>
internal sealed class PositionalSql
{
    // Statements' texts are few (the writers' constants); the cap only keeps a text made per call from growing this.
    private const int MaxCached = 1_000;
    private static readonly ConcurrentDictionary<string, PositionalSql> Cache = new(StringComparer.Ordinal);

    private PositionalSql(string sql, string[] names) => (Sql, Names) = (sql, names);

    /// <summary>The text with <c>$n</c> placeholders.</summary>
    public string Sql { get; }

    /// <summary>The parameter each <c>$n</c> stands for: <c>Names[n - 1]</c>.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>
    /// <paramref name="sql"/> in positional form, where <paramref name="isParameter"/> says which names after an <c>@</c>
    /// are parameters (not an operator such as <c>@&gt;</c> or <c>@@</c>). A placeholder used twice is one position. Text in
    /// single or double quotes, comments and <c>$$</c>-quoted bodies are left alone.
    /// </summary>
    public static PositionalSql Of(string sql, Func<string, bool> isParameter)
    {
        if (Cache.TryGetValue(sql, out var known))
        {
            return known;
        }
        var made = Rewrite(sql, isParameter);
        if (Cache.Count < MaxCached)
        {
            Cache.TryAdd(sql, made);
        }
        return made;
    }

    private static PositionalSql Rewrite(string sql, Func<string, bool> isParameter)
    {
        var text = new StringBuilder(sql.Length);
        var names = new List<string>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c is '\'' or '"')
            {
                i = Verbatim(sql, i, QuotedEnd(sql, i), text);
                continue;
            }
            if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                var newline = sql.IndexOf('\n', i);
                i = Verbatim(sql, i, newline < 0 ? sql.Length : newline, text);
                continue;
            }
            if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                var close = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = Verbatim(sql, i, close < 0 ? sql.Length : close + 2, text);
                continue;
            }
            if (c == '$' && i + 1 < sql.Length && sql[i + 1] == '$')
            {
                var close = sql.IndexOf("$$", i + 2, StringComparison.Ordinal);
                i = Verbatim(sql, i, close < 0 ? sql.Length : close + 2, text);
                continue;
            }
            if (c == '@' && i + 1 < sql.Length && IsNameStart(sql[i + 1]) && (i == 0 || sql[i - 1] != '@'))
            {
                var end = i + 1;
                while (end < sql.Length && IsNamePart(sql[end]))
                {
                    end++;
                }
                var name = sql[(i + 1)..end];
                if (isParameter(name))
                {
                    var position = names.IndexOf(name);
                    if (position < 0)
                    {
                        names.Add(name);
                        position = names.Count - 1;
                    }
                    text.Append('$').Append(position + 1);
                    i = end;
                    continue;
                }
            }
            text.Append(c);
            i++;
        }
        return new PositionalSql(text.ToString(), [.. names]);
    }

    // Copies sql[start..end) as it is; returns end.
    private static int Verbatim(string sql, int start, int end, StringBuilder text)
    {
        text.Append(sql, start, end - start);
        return end;
    }

    // Where the literal or identifier opened by the quote at start ends (after its closing quote; a doubled quote is
    // one quote inside it).
    private static int QuotedEnd(string sql, int start)
    {
        var quote = sql[start];
        var at = start + 1;
        while (at < sql.Length)
        {
            if (sql[at] != quote)
            {
                at++;
            }
            else if (at + 1 < sql.Length && sql[at + 1] == quote)
            {
                at += 2;
            }
            else
            {
                return at + 1;
            }
        }
        return sql.Length;
    }

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsNamePart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
