using Dashboard.Runs.Storage;
using Microsoft.Data.Sqlite;

namespace Dashboard.Runs.Tests;

/// <summary>
/// The write statements ingestion runs through <see cref="StatementCache"/> store exactly what Microsoft.Data.Sqlite
/// stores for the same values (they are bound by SQLite's own calls on SQLite), in a real file.
/// </summary>
public sealed class StatementCacheTests : IDisposable
{
    private const string Insert = "INSERT INTO t (id, text_value, number, flag, ratio, bytes, other) VALUES (@id, @text, @number, @flag, @ratio, @bytes, @other)";

    private readonly string _directory = Directory.CreateTempSubdirectory("statements-").FullName;
    private readonly SqliteConnection _connection;

    public StatementCacheTests()
    {
        _connection = new SqliteConnection($"Data Source={Path.Combine(_directory, "t.db")};Pooling=False");
        _connection.Open();
        using var create = _connection.CreateCommand();
        create.CommandText = "CREATE TABLE t (id INTEGER PRIMARY KEY, text_value TEXT, number INTEGER, flag INTEGER, ratio REAL, bytes BLOB, other)";
        create.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _connection.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    public static IEnumerable<object?[]> Values =>
    [
        [null], [""], ["plain"], ["<script>alert('x')</script> ünïcödé ✓ 🚀"], [0L], [long.MaxValue], [-7], [true], [false], [0.25],
        [new byte[] { 0, 1, 255 }], [Array.Empty<byte>()],
        // Types the fast path does not bind: Microsoft.Data.Sqlite binds them (decimal as text, a date as text).
        [12.50m], [new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero)],
    ];

    [Theory]
    [MemberData(nameof(Values))]
    public void AValue_IsStoredAsMicrosoftDataSqliteStoresIt(object? value)
    {
        using (var transaction = _connection.BeginTransaction())
        using (var statements = new StatementCache())
        {
            var command = statements.For(transaction, Insert);
            SetAll(command, id: 1, value);
            statements.Execute(command);
            transaction.Commit();
        }
        InsertThroughTheDriver(2, value);

        Assert.Equal(Row(2)[1..], Row(1)[1..]);
    }

    [Fact]
    public void EachRun_BindsOnlyItsOwnValues()
    {
        using var transaction = _connection.BeginTransaction();
        using var statements = new StatementCache();
        var command = statements.For(transaction, Insert);
        SetAll(command, id: 1, "first");
        statements.Execute(command);
        SetAll(command, id: 2, null);
        statements.Execute(command);
        transaction.Commit();

        Assert.Equal("text:'first'", Row(1)[1]);
        Assert.Equal("null:NULL", Row(2)[1]);
    }

    [Fact]
    public void ACommandThatOnceHeldAValueOfAnotherType_StoresEveryLaterValueAsBefore()
    {
        using (var transaction = _connection.BeginTransaction())
        using (var statements = new StatementCache())
        {
            var command = statements.For(transaction, Insert);
            SetAll(command, id: 1, "before");
            statements.Execute(command);
            SetAll(command, id: 2, 12.50m);
            statements.Execute(command);
            SetAll(command, id: 3, "after");
            statements.Execute(command);
            transaction.Commit();
        }

        Assert.Equal("text:'before'", Row(1)[1]);
        Assert.Equal("text:'12.5'", Row(2)[6]); // as Microsoft.Data.Sqlite writes a decimal
        Assert.Equal("null:NULL", Row(2)[1]);
        Assert.Equal("text:'after'", Row(3)[1]);
        Assert.Equal("null:NULL", Row(3)[6]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"stepId\":\"s\",\"inputContext\":{\"note\":\"<script>alert('x')</script> ünïcödé ✓ 🚀\"}}")]
    public void TextAlreadyInUtf8_IsStoredAsTheSameText_BoundDirectlyOrThroughTheDriver(string text)
    {
        using (var transaction = _connection.BeginTransaction())
        using (var statements = new StatementCache())
        {
            var command = statements.For(transaction, Insert);
            SetAll(command, id: 1, null);
            StatementCache.Set(command, "text", new Utf8Text(System.Text.Encoding.UTF8.GetBytes(text)));
            statements.Execute(command);
            // Once a value the direct binding does not take has been set, the command goes through the driver.
            SetAll(command, id: 2, 1.5m);
            statements.Execute(command);
            SetAll(command, id: 3, null);
            StatementCache.Set(command, "text", new Utf8Text(System.Text.Encoding.UTF8.GetBytes(text)));
            statements.Execute(command);
            transaction.Commit();
        }
        InsertThroughTheDriver(4, text);

        Assert.Equal(Row(4)[1], Row(1)[1]);
        Assert.Equal(Row(4)[1], Row(3)[1]);
        Assert.StartsWith("text:", Row(1)[1], StringComparison.Ordinal);
    }

    [Fact]
    public void AStatementSQLiteRefuses_ThrowsItsError_AndTheStatementRunsAgainAfterwards()
    {
        using var transaction = _connection.BeginTransaction();
        using var statements = new StatementCache();
        var command = statements.For(transaction, Insert);
        SetAll(command, id: 1, "kept");
        statements.Execute(command);

        var refused = Assert.Throws<SqliteException>(() => statements.Execute(command));
        Assert.Equal(19, refused.SqliteErrorCode); // SQLITE_CONSTRAINT: the same id twice
        Assert.Contains("UNIQUE", refused.Message, StringComparison.Ordinal);

        SetAll(command, id: 2, "after");
        statements.Execute(command);
        transaction.Commit();
        Assert.Equal("text:'after'", Row(2)[1]);
    }

    [Fact]
    public void AParameterTheCommandDoesNotSet_IsRefused_RatherThanStoredAsNull()
    {
        using var transaction = _connection.BeginTransaction();
        using var statements = new StatementCache();
        var command = statements.For(transaction, Insert);
        StatementCache.Set(command, "id", 1L);

        Assert.Throws<InvalidOperationException>(() => statements.Execute(command));
    }

    [Fact]
    public void ATextOfSeveralStatements_RunsThemAll()
    {
        using var transaction = _connection.BeginTransaction();
        using var statements = new StatementCache();
        var command = statements.For(transaction, "INSERT INTO t (id) VALUES (@id); INSERT INTO t (id) VALUES (@id + 1)");
        StatementCache.Set(command, "id", 10L);
        statements.Execute(command);
        transaction.Commit();

        Assert.Equal("10", Row(10)[0]);
        Assert.Equal("11", Row(11)[0]);
    }

    /// <summary>The same insert made by Microsoft.Data.Sqlite alone: what the cache's rows are compared with.</summary>
    private void InsertThroughTheDriver(long id, object? value)
    {
        using var plain = _connection.CreateCommand();
        plain.CommandText = Insert;
        SetAll(plain, id, value);
        plain.ExecuteNonQuery();
    }

    private static void SetAll(System.Data.Common.DbCommand command, long id, object? value)
    {
        StatementCache.Set(command, "id", id);
        StatementCache.Set(command, "text", value is string ? value : null);
        StatementCache.Set(command, "number", value is long or int ? value : null);
        StatementCache.Set(command, "flag", value is bool ? value : null);
        StatementCache.Set(command, "ratio", value is double ? value : null);
        StatementCache.Set(command, "bytes", value is byte[] ? value : null);
        StatementCache.Set(command, "other", value is decimal or DateTimeOffset ? value : null);
    }

    /// <summary>Each column as its SQLite type and value, as text.</summary>
    private string[] Row(long id)
    {
        using var read = _connection.CreateCommand();
        read.CommandText = """
            SELECT id, typeof(text_value) || ':' || coalesce(quote(text_value), ''), typeof(number) || ':' || coalesce(number, ''),
                typeof(flag) || ':' || coalesce(flag, ''), typeof(ratio) || ':' || coalesce(ratio, ''), typeof(bytes) || ':' || coalesce(hex(bytes), ''),
                typeof(other) || ':' || coalesce(quote(other), '')
            FROM t WHERE id = @id
            """;
        read.Parameters.AddWithValue("@id", id);
        using var reader = read.ExecuteReader();
        Assert.True(reader.Read(), $"no row {id}");
        return [.. Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i).ToString()!)];
    }
}
