using System.Data.Common;
using Dashboard.Testing;
using Microsoft.Data.Sqlite;
using Npgsql;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary>
/// The insights aggregates are added to behind ingestion, from deltas each write transaction stores with its batches
/// (<c>insight_pending</c>). Those deltas are as durable as the batches: a service killed before adding them adds them
/// after its restart, each once, and a read of the aggregates adds whatever was stored before it.
/// </summary>
public sealed class InsightsBehindIngestionTests
{
    private const int Runs = 12;
    private const int Steps = 5;

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task DeltasPendingAtAKill_AreCountedOnceAfterTheRestart_ByTheFirstRead(string store)
    {
        var storage = await Stores.ArgumentsAsync(store);
        // No background passes: what the batches move waits until a read of the aggregates.
        string[] arguments = [.. storage, "--Runs:InsightsIntervalMs", "3600000", "--Logging:LogLevel:Default", "Warning"];
        var workflow = $"wf-behind-{Guid.NewGuid():N}";
        var period = $"workflowId={workflow}&from=2026-11-01T00:00:00Z&to=2026-12-31T00:00:00Z";

        await using var first = await AppProcess.StartAsync("Dashboard.Runs", arguments);
        using (var http = new HttpClient { BaseAddress = first.BaseAddress })
        {
            await Task.WhenAll(Enumerable.Range(0, Runs).Select(async r =>
            {
                var runId = NewRunId("behind");
                await http.PostOkAsync(runId, Batch(Started(workflow)));
                for (var s = 0; s < Steps; s++)
                {
                    await http.PostOkAsync(runId, Batch(StepStarted($"s{s}"), StepCompleted($"s{s}", cost: "0.001", model: "gpt-4o-mini")));
                }
                await http.PostOkAsync(runId, Batch(r % 4 == 0 ? RunFailed("card declined") : RunCompleted()));
            }));
        }
        Assert.True(await PendingAsync(store, storage, first.DataDirectory) > 0, "The deltas were added before any read: nothing was left behind to test.");
        await first.KillAsync();

        await using var second = await AppProcess.StartAsync("Dashboard.Runs", arguments, dataDirectory: first.DataDirectory);
        using var reader = new HttpClient { BaseAddress = second.BaseAddress };
        for (var read = 0; read < 2; read++)
        {
            // Read twice: the second finds nothing pending, and the counts do not move.
            var summary = await reader.GetJsonAsync($"api/insights/summary?{period}");
            Assert.Equal((Runs, Runs / 4 * 3, Runs / 4, "0.06"), (summary.GetProperty("runs").GetInt32(),
                summary.GetProperty("byStatus").GetProperty("completed").GetInt32(), summary.GetProperty("byStatus").GetProperty("failed").GetInt32(),
                summary.GetProperty("costUsd").GetString()));
            var steps = (await reader.GetJsonAsync($"api/insights/steps?{period}")).GetProperty("steps").EnumerateArray().ToList();
            Assert.Equal(Steps, steps.Count);
            Assert.All(steps, step => Assert.Equal(Runs, step.GetProperty("attempts").GetInt32()));
            var group = Assert.Single((await reader.GetJsonAsync($"api/insights/failures?{period}")).GetProperty("groups").EnumerateArray());
            Assert.Equal(Runs / 4, group.GetProperty("count").GetInt32());
            var model = Assert.Single((await reader.GetJsonAsync($"api/insights/models?{period}")).GetProperty("models").EnumerateArray());
            Assert.Equal(Runs * Steps, model.GetProperty("calls").GetInt32());
            Assert.Equal(0, await PendingAsync(store, storage, first.DataDirectory));
        }
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task APendingRowThatCannotBeRead_IsSetAside_AndOneOfANewerFormat_IsLeftForANewerInstance_NeitherStopsTheRest(string store)
    {
        var storage = await Stores.ArgumentsAsync(store);
        // No background passes, and a read that would wait as long as it takes: a read held up by either row never answers.
        string[] arguments = [.. storage, "--Runs:InsightsIntervalMs", "3600000", "--Runs:InsightsCatchUpMs", "3600000", "--Logging:LogLevel:Default", "Warning"];
        var workflow = $"wf-unreadable-{Guid.NewGuid():N}";
        var period = $"workflowId={workflow}&from=2026-11-01T00:00:00Z&to=2026-12-31T00:00:00Z";
        await using var service = await AppProcess.StartAsync("Dashboard.Runs", arguments);
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        async Task ReportAsync()
        {
            var runId = NewRunId("unreadable");
            await http.PostOkAsync(runId, Batch(Started(workflow)));
            await http.PostOkAsync(runId, Batch(StepStarted("s"), StepCompleted("s", cost: "0.001"), RunCompleted()));
        }

        await ReportAsync();
        await ReportAsync();
        // Between the runs' rows: one of this version's format that is not its JSON, one of a format to come.
        await ExecuteAsync(store, storage, service.DataDirectory, """
            INSERT INTO insight_pending (format, deltas) VALUES (1, @broken);
            INSERT INTO insight_pending (format, deltas) VALUES (99, @later);
            """, ("broken", "[{\"workflowId\": <script>"u8.ToArray()), ("later", "{\"v\":99}"u8.ToArray()));
        await ReportAsync();

        var summary = await http.GetJsonAsync($"api/insights/summary?{period}");

        Assert.Equal((3, "0.003"), (summary.GetProperty("byStatus").GetProperty("completed").GetInt32(), summary.GetProperty("costUsd").GetString()));
        Assert.Equal(1, await CountAsync(store, storage, service.DataDirectory, "SELECT count(*) FROM insight_pending WHERE format = 99"));
        Assert.Equal(0, await CountAsync(store, storage, service.DataDirectory, "SELECT count(*) FROM insight_pending WHERE format = 1"));
        Assert.Equal(1, await CountAsync(store, storage, service.DataDirectory, "SELECT count(*) FROM insight_unreadable WHERE format = 1 AND error <> ''"));
        Assert.Contains(service.Output, line => line.Contains("could not be read and was set aside", StringComparison.Ordinal));
        // Read again: the newer row is still not waited for, and nothing is counted twice.
        var again = await http.GetJsonAsync($"api/insights/summary?{period}");
        Assert.Equal(3, again.GetProperty("byStatus").GetProperty("completed").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task APendingRowTheStoreRefuses_IsSetAside_AndTheRowsAroundItAreCounted(string store)
    {
        var storage = await Stores.ArgumentsAsync(store);
        string[] arguments = [.. storage, "--Runs:InsightsIntervalMs", "3600000", "--Logging:LogLevel:Default", "Warning"];
        var workflow = $"wf-refused-{Guid.NewGuid():N}";
        var period = $"workflowId={workflow}&from=2026-11-01T00:00:00Z&to=2026-12-31T00:00:00Z";
        await using var service = await AppProcess.StartAsync("Dashboard.Runs", arguments);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        // The store refuses one run's trigger type, as PostgreSQL's index once refused a trigger type of 3,000 characters
        // (the pass holding it failed, and every pass after it).
        await ExecuteAsync(store, storage, service.DataDirectory, store == "sqlite"
            ? "CREATE TRIGGER refuse BEFORE INSERT ON insight_triggers WHEN NEW.trigger_type = 'refused' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            : """
              CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN IF NEW.trigger_type = 'refused' THEN RAISE EXCEPTION 'refused by the test' USING ERRCODE = '22023'; END IF; RETURN NEW; END $$;
              CREATE TRIGGER refuse BEFORE INSERT ON insight_triggers FOR EACH ROW EXECUTE FUNCTION refuse();
              """);
        Assert.False((await http.GetJsonAsync($"api/insights/summary?{period}")).TryGetProperty("notCounted", out _));
        foreach (var trigger in new[] { "api", "refused", "api" })
        {
            await http.PostOkAsync(NewRunId("refused"), Batch($$"""{"type":"run_started","timestamp":"{{Time()}}","workflowId":"{{workflow}}","triggerType":"{{trigger}}"}""", RunCompleted()));
        }

        var summary = await http.GetJsonAsync($"api/insights/summary?{period}");

        Assert.Equal((2, 2), (summary.GetProperty("runs").GetInt32(), summary.GetProperty("byStatus").GetProperty("completed").GetInt32()));
        Assert.Equal(0, await PendingAsync(store, storage, service.DataDirectory));
        Assert.Equal(1, await CountAsync(store, storage, service.DataDirectory, "SELECT count(*) FROM insight_unreadable WHERE error LIKE '%refused by the test%'"));
        Assert.True(await service.WaitForOutputAsync("could not be added (the store refused it alone) and was set aside"));
        // The reader is told as well: every figure leaves that batch out.
        var notCounted = summary.GetProperty("notCounted");
        Assert.Equal(1, notCounted.GetProperty("batches").GetInt64());
        Assert.InRange(notCounted.GetProperty("lastSetAsideAt").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        // Read again: nothing is counted twice.
        Assert.Equal(2, (await http.GetJsonAsync($"api/insights/summary?{period}")).GetProperty("runs").GetInt32());
    }

    private static async Task<DbConnection> OpenAsync(string store, string[] storage, string dataDirectory)
    {
        DbConnection connection = store == "sqlite"
            ? new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "runs.db")}")
            : new NpgsqlConnection(storage[Array.IndexOf(storage, "--ConnectionStrings:Runs") + 1]);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        return connection;
    }

    private static async Task ExecuteAsync(string store, string[] storage, string dataDirectory, string sql, params (string Name, byte[] Value)[] values)
    {
        await using var connection = await OpenAsync(store, storage, dataDirectory);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in values)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<long> CountAsync(string store, string[] storage, string dataDirectory, string sql)
    {
        await using var connection = await OpenAsync(store, storage, dataDirectory);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>How many write transactions' deltas wait in the store, read beside the service.</summary>
    private static Task<long> PendingAsync(string store, string[] storage, string dataDirectory) =>
        CountAsync(store, storage, dataDirectory, "SELECT count(*) FROM insight_pending");
}
