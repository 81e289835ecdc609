using Dashboard.Runs.Storage;
using Dashboard.Streams.Storage;
using Dashboard.Testing;
using Npgsql;

namespace Dashboard.Runs.Tests;

/// <summary>
/// On PostgreSQL a search document's words are a generated column of <c>search_words(body)</c>. The functions were
/// rewritten twice (PL/pgSQL instead of SQL, planned once a session; then the pairs read off the words' text form instead
/// of a query); the documents stored before are not written again, so the new ones must give exactly the words the first
/// gave, or a search would match old and new documents differently.
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

    /// <summary>The words the first functions gave (migration 8), written out in the query, to compare against.</summary>
    private const string FirstWordsSql = """
        SELECT w || coalesce((SELECT array_to_tsvector(array_agg(pair)) FROM (
                SELECT x.lexeme || ' ' || lead(x.lexeme) OVER (ORDER BY x.pos) AS pair, lead(x.pos) OVER (ORDER BY x.pos) - x.pos AS gap
                FROM (SELECT u.lexeme, unnest(u.positions) AS pos FROM unnest(w) u) x) p WHERE gap = 1), ''::tsvector)
        FROM to_tsvector('simple', regexp_replace(s.body, '[[:punct:]]+', ' ', 'g')) w
        """;

    [Fact]
    public async Task ThousandsOfGeneratedBodies_GetTheWordsTheFirstFunctionsGave()
    {
        await using var connection = await MigratedAsync();
        var bodies = GeneratedBodies(new Random(20261206), 3_000);
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO run_search (run_id, workflow_id, started_at, loop_index, field, body) SELECT 'r', 'w', 0, -1, 'input', b FROM unnest(@bodies) b",
            connection))
        {
            insert.Parameters.AddWithValue("bodies", bodies);
            await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await using var compare = new NpgsqlCommand(
            $"SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM unnest(s.body_words) u WHERE u.lexeme LIKE '% %')), (array_agg(s.body) FILTER (WHERE s.body_words IS DISTINCT FROM ({FirstWordsSql})))[1:3] FROM run_search s",
            connection);
        await using var reader = await compare.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal(bodies.Length, reader.GetInt64(0));
        // Pairs were made at all (a function that made none would agree with nothing but empty bodies).
        Assert.True(reader.GetInt64(1) > bodies.Length / 2, $"only {reader.GetInt64(1)} documents have pairs");
        var differing = reader.IsDBNull(2) ? [] : reader.GetFieldValue<string[]>(2);
        Assert.True(differing.Length == 0, "words differ from the first functions' for: " + string.Join(" | ", differing));
    }

    /// <summary>
    /// Words search_words never makes (a quote, a backslash or a space in a lexeme, weights, no positions) still get the
    /// pairs the first function gave them: the text form is ambiguous for some, and they take the query.
    /// </summary>
    [Theory]
    [InlineData("'it''s':1 'b':2")]
    [InlineData("'a\\\\b':1 'c':2")]
    [InlineData("'a b':1 'c':2")]
    [InlineData("'a' 'b c':1 'd':2")]
    [InlineData("'a':1A 'b':2B,3 'c':4")]
    [InlineData("'a' 'b'")]
    [InlineData("")]
    [InlineData("'x':5 'y':3 'z':4,9 'q':8")]
    public async Task AnyWords_GetThePairsTheFirstFunctionGave(string words)
    {
        await using var connection = await MigratedAsync();
        await using var compare = new NpgsqlCommand(
            """
            SELECT search_pairs(@words::tsvector)::text, (SELECT coalesce(array_to_tsvector(array_agg(pair)), ''::tsvector) FROM (
                SELECT x.lexeme || ' ' || lead(x.lexeme) OVER (ORDER BY x.pos) AS pair, lead(x.pos) OVER (ORDER BY x.pos) - x.pos AS gap
                FROM (SELECT u.lexeme, unnest(u.positions) AS pos FROM unnest(@words::tsvector) u) x) p WHERE gap = 1)::text
            """, connection);
        compare.Parameters.AddWithValue("words", words);
        await using var reader = await compare.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal(reader.GetString(1), reader.GetString(0));
    }

    private static async Task<NpgsqlConnection> MigratedAsync()
    {
        var connection = new NpgsqlConnection(await SharedPostgres.NewDatabaseAsync("search-words"));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        PostgreSqlSchema.Migrate(connection, "runs", PostgreSqlRunsSchema.Migrations);
        return connection;
    }

    /// <summary>
    /// Bodies like a step's JSON and log lines: words, numbers, ids, non-Latin words and emoji, runs of punctuation,
    /// quotes and backslashes, words repeated near each other, now and then a long one.
    /// </summary>
    private static string[] GeneratedBodies(Random random, int count)
    {
        string[] vocabulary =
        [
            "card", "declined", "by", "issuer", "the", "approved", "payment", "invoice", "retry", "timeout", "INV-1-204", "ord_0500000",
            "Straße", "naïve", "café", "日本語", "テスト", "данные", "🚀", "✓", "3.14", "1e5", "42", "0", "user@example.com",
            "https://example.com/a/b?c=d", "/var/log/app.log", "it's", "a\\b", "\"quoted\"", "<script>alert(1)</script>", "--", "...", "{", "}",
            "\u0001", "tab\there", "new\nline", "x_y_z", "CamelCase", "v1.2.3", "ÀÉÎ", "ß", "", " ",
        ];
        var bodies = new string[count];
        for (var i = 0; i < count; i++)
        {
            var words = random.Next(10) == 0 ? random.Next(200, 2_000) : random.Next(0, 14);
            var parts = new List<string>(words);
            for (var w = 0; w < words; w++)
            {
                parts.Add(random.Next(6) == 0 && parts.Count > 0 ? parts[random.Next(parts.Count)] : vocabulary[random.Next(vocabulary.Length)]);
            }
            bodies[i] = random.Next(3) == 0
                ? "{" + string.Join(",", parts.Select((p, n) => $"\"k{n}\":\"{p}\"")) + "}"
                : string.Join(random.Next(2) == 0 ? " " : ", ", parts);
        }
        return bodies;
    }

    private static async Task InsertAsync(NpgsqlConnection connection, string body)
    {
        await using var insert = new NpgsqlCommand(
            "INSERT INTO run_search (run_id, workflow_id, started_at, loop_index, field, body) VALUES ('r', 'w', 0, -1, 'input', @body)", connection);
        insert.Parameters.AddWithValue("body", body);
        await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
