using System.Text;
using Dashboard.Runs.Storage;
using Dashboard.Testing;
using Npgsql;

namespace Dashboard.Runs.Tests;

/// <summary>
/// PostgreSQL's writes are queued and sent as one batch; text already in UTF-8 (the rows' JSON) is handed to Npgsql as
/// bytes. It must read back as the text it is, and as a string bound the usual way stores it.
/// </summary>
public sealed class StatementCachePostgreSqlTests
{
    private const string Insert = "INSERT INTO texts (id, body) VALUES (@id, @body)";

    [Theory]
    [InlineData("")]
    [InlineData("{\"stepId\":\"s\",\"inputContext\":{\"note\":\"<script>alert('x')</script> ünïcödé ✓ 🚀 \\u0000\"}}")]
    public async Task TextAlreadyInUtf8_QueuedOrMovedToAnotherBatch_IsStoredAsTheSameText(string text)
    {
        await using var connection = new NpgsqlConnection(await SharedPostgres.NewDatabaseAsync("statements"));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using (var create = new NpgsqlCommand("CREATE TABLE texts (id integer PRIMARY KEY, body text)", connection))
        {
            await create.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await using (var transaction = await connection.BeginTransactionAsync(TestContext.Current.CancellationToken))
        {
            using var statements = new StatementCache(batching: true);
            var command = statements.For(transaction, Insert);
            StatementCache.Set(command, "id", 1);
            StatementCache.Set(command, "body", new Utf8Text(Encoding.UTF8.GetBytes(text)));
            statements.Execute(command);
            StatementCache.Set(command, "id", 2);
            StatementCache.Set(command, "body", text);
            statements.Execute(command);
            statements.Flush(transaction);

            // Queued, then handed to another batch to go with its own statements.
            StatementCache.Set(command, "id", 3);
            StatementCache.Set(command, "body", new Utf8Text(Encoding.UTF8.GetBytes(text)));
            statements.Execute(command);
            await SendInAnotherBatchAndCommitAsync(statements, connection, transaction);
        }

        await using var read = new NpgsqlCommand("SELECT body FROM texts ORDER BY id", connection);
        await using var reader = await read.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var bodies = new List<string>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            bodies.Add(reader.GetString(0));
        }
        Assert.Equal([text, text, text], bodies);
    }

    // The queued statements handed to a batch of the connection's own, sent with it, and the transaction committed.
    private static async Task SendInAnotherBatchAndCommitAsync(StatementCache statements, NpgsqlConnection connection, System.Data.Common.DbTransaction transaction)
    {
        await using var target = connection.CreateBatch();
        target.Transaction = (NpgsqlTransaction)transaction;
        statements.MoveTo(target);
        await target.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        await transaction.CommitAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AStatementUsingAParameterTwice_AndHoldingPlaceholderLikeText_BindsEachToItsValue()
    {
        await using var connection = new NpgsqlConnection(await SharedPostgres.NewDatabaseAsync("statements"));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using (var create = new NpgsqlCommand("CREATE TABLE texts (id integer PRIMARY KEY, body text)", connection))
        {
            await create.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }
        const string Upsert = """
            INSERT INTO texts (id, body) VALUES (@id, @body || ' ''@id'' -- @body') -- a comment's @id
            ON CONFLICT (id) DO UPDATE SET body = texts.body || '+' || @body || @id::text
            """;

        await using (var transaction = await connection.BeginTransactionAsync(TestContext.Current.CancellationToken))
        {
            using var statements = new StatementCache(batching: true);
            var command = statements.For(transaction, Upsert);
            StatementCache.Set(command, "id", 7);
            StatementCache.Set(command, "body", "a");
            statements.Execute(command);
            StatementCache.Set(command, "body", new Utf8Text("b"u8.ToArray()));
            statements.Execute(command);
            statements.Flush(transaction);
            // Queued, then moved to another batch.
            StatementCache.Set(command, "body", "c");
            statements.Execute(command);
            await SendInAnotherBatchAndCommitAsync(statements, connection, transaction);
        }

        await using var read = new NpgsqlCommand("SELECT body FROM texts WHERE id = 7", connection);
        Assert.Equal("a '@id' -- @body+b7+c7", await read.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }
}
