using System.Data.Common;
using Dashboard.Testing;
using Npgsql;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary>
/// A batch the search index cannot take (a U+0000 in an error once was one on PostgreSQL) must not take search down: a
/// search whose catch-up fails answers from the index as it is and says it is behind, and the index takes the batch once
/// it can.
/// </summary>
public sealed class SearchIndexFailureTests
{
    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task ACatchUpThatFails_AnswersFromTheIndexAsItIs_SayingItIsBehind_AndTheBatchIsIndexedOnceItCanBe(string store)
    {
        var storage = await Stores.ArgumentsAsync(store);
        await using var service = await AppProcess.StartAsync("Dashboard.Runs", [.. storage, "--Logging:LogLevel:Default", "Warning"]);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        var before = $"beforeword{Guid.NewGuid():N}";
        var after = $"afterword{Guid.NewGuid():N}";
        var indexed = NewRunId();
        await http.PostOkAsync(indexed, Batch(Started(), StepStarted("fetch", input: $$"""{"note":"{{before}}"}""")));
        Assert.Equal(indexed, Assert.Single((await http.GetJsonAsync($"api/search?q={before}")).GetProperty("items").EnumerateArray()).GetProperty("runId").GetString());

        // From here the index refuses every document it is given.
        await ExecuteAsync(store, storage, service.DataDirectory, store == "sqlite"
            ? "CREATE TRIGGER refuse BEFORE INSERT ON run_search BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            : """
              CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
              CREATE TRIGGER refuse BEFORE INSERT ON run_search FOR EACH ROW EXECUTE FUNCTION refuse();
              """);
        var refused = NewRunId();
        await http.PostOkAsync(refused, Batch(Started(), StepStarted("fetch", input: $$"""{"note":"{{after}}"}""")));

        var page = await http.GetJsonAsync($"api/search?q={before}");
        Assert.True(page.GetProperty("indexBehind").GetBoolean());
        Assert.Equal(indexed, Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("runId").GetString());
        Assert.Empty((await http.GetJsonAsync($"api/search?q={after}")).GetProperty("items").EnumerateArray());
        Assert.True(await service.WaitForOutputAsync("could not catch the search index up"));

        await ExecuteAsync(store, storage, service.DataDirectory, "DROP TRIGGER refuse" + (store == "sqlite" ? "" : " ON run_search"));
        var caughtUp = await http.GetJsonAsync($"api/search?q={after}");
        Assert.False(caughtUp.GetProperty("indexBehind").GetBoolean());
        Assert.Equal(refused, Assert.Single(caughtUp.GetProperty("items").EnumerateArray()).GetProperty("runId").GetString());
    }

    // The search index is in a file of its own beside the runs' on SQLite, in the runs' database on PostgreSQL.
    private static async Task ExecuteAsync(string store, string[] storage, string dataDirectory, string sql)
    {
        await using DbConnection connection = store == "sqlite"
            ? new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dataDirectory, "runs.search.db")};Pooling=False;Default Timeout=30")
            : new NpgsqlConnection(storage[Array.IndexOf(storage, "--ConnectionStrings:Runs") + 1]);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
