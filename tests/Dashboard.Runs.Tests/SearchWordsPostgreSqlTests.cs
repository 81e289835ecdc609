using Dashboard.Runs.Storage;
using Dashboard.Streams.Storage;
using Dashboard.Testing;
using Npgsql;

namespace Dashboard.Runs.Tests;

/// <summary>
/// On PostgreSQL a search document's words are a generated column of <c>search_words(body)</c>. The function was
/// rewritten (PL/pgSQL instead of SQL, planned once a session); the documents stored before are not written again, so
/// the new one must give exactly the words the old one gave, or a search would match old and new documents differently.
/// </summary>
public sealed class SearchWordsPostgreSqlTests
{
    private const string Rewrite = "search_pairs(words tsvector) RETURNS tsvector LANGUAGE plpgsql";

    public static TheoryData<string> Bodies => new()
    {
        "",
        "...",
        "card declined",
        "{\"customer\":\"c-42\",\"note\":\"<script>alert('x')</script> approved for payment\"}",
        "ünïcödé Straße ✓ 🚀 naïve café, https://example.com/a/b?c=d user@example.com",
        "the quick brown fox jumps over the lazy dog the quick brown fox",
        string.Join(' ', Enumerable.Repeat("repeat word", 400)),
        string.Join(' ', Enumerable.Range(0, 20_000).Select(i => $"w{i % 97}")),
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task DocumentsStoredBeforeTheRewrite_HaveTheWordsItGivesNow(string body)
    {
        await using var connection = new NpgsqlConnection(await SharedPostgres.NewDatabaseAsync("search-words"));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        var migrations = PostgreSqlRunsSchema.Migrations;
        var rewrite = migrations.ToList().FindIndex(m => m.Contains(Rewrite, StringComparison.Ordinal));
        Assert.True(rewrite > 0, "no migration rewrites search_pairs");
        PostgreSqlSchema.Migrate(connection, "runs", [.. migrations.Take(rewrite)]);
        await InsertAsync(connection, body);

        PostgreSqlSchema.Migrate(connection, "runs", migrations);
        await InsertAsync(connection, body);

        await using var read = new NpgsqlCommand(
            "SELECT body_words::text, search_words(body)::text, (SELECT prolang <> (SELECT oid FROM pg_language WHERE lanname = 'sql') FROM pg_proc WHERE proname = 'search_words') FROM run_search ORDER BY id",
            connection);
        await using var reader = await read.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<(string Stored, string Now, bool Rewritten)>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)));
        }
        Assert.Equal(2, rows.Count);
        Assert.True(rows[1].Rewritten, "search_words is still an SQL function after the migrations");
        // The document stored before, the one stored after, and the function called now: one set of words.
        Assert.Equal(rows[0].Stored, rows[1].Stored);
        Assert.Equal(rows[0].Stored, rows[0].Now);
        if (body.Contains("card declined", StringComparison.Ordinal))
        {
            Assert.Contains("'card declined'", rows[1].Stored, StringComparison.Ordinal);
        }
    }

    private static async Task InsertAsync(NpgsqlConnection connection, string body)
    {
        await using var insert = new NpgsqlCommand(
            "INSERT INTO run_search (run_id, workflow_id, started_at, loop_index, field, body) VALUES ('r', 'w', 0, -1, 'input', @body)", connection);
        insert.Parameters.AddWithValue("body", body);
        await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
