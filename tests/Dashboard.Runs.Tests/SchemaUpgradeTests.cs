using System.Text.Json;
using Dashboard.Testing;
using Microsoft.Data.Sqlite;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary>Files written by earlier versions of the service, opened by this one: each test has a data directory of its own.</summary>
public sealed class SchemaUpgradeTests : IDisposable
{
    private static readonly string[] Args = ["--Streams:DatabasePath", "{data}/runs.db", "--Logging:LogLevel:Default", "Warning"];

    private readonly string _data = Directory.CreateTempSubdirectory("runs-upgrade-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task AFileFromBeforeTheTimelineColumn_IsUpgradedAtStart_AndItsRunsReadAsBefore()
    {
        var runId = NewRunId();
        await using (var before = await AppProcess.StartAsync("Dashboard.Runs", Args, _data))
        {
            using var http = new HttpClient { BaseAddress = before.BaseAddress };
            await http.PostOkAsync(runId, Batch(Started(), StepStarted("charge", input: "{\"amount\":42}"), StepCompleted("charge", output: "{\"receipt\":\"r-1\"}", cost: "0.5")));
        }
        // The file as the service wrote it before the column existed.
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "runs.db")};Pooling=False"))
        {
            connection.Open();
            using var drop = connection.CreateCommand();
            drop.CommandText = "ALTER TABLE run_steps DROP COLUMN timeline_json";
            drop.ExecuteNonQuery();
        }

        await using var after = await AppProcess.StartAsync("Dashboard.Runs", Args, _data);
        using var client = new HttpClient { BaseAddress = after.BaseAddress };
        var timeline = await client.GetJsonAsync($"api/runs/{runId}/timeline");
        var attempt = timeline.GetProperty("attempts").EnumerateArray().Single();
        Assert.Equal(("charge", "completed", "0.5"), (attempt.GetProperty("stepId").GetString(), attempt.GetProperty("status").GetString(), attempt.GetProperty("costUsd").GetString()));
        Assert.False(attempt.TryGetProperty("inputContext", out _));
        Assert.False(attempt.TryGetProperty("outputContext", out _));
        var step = await client.GetJsonAsync($"api/runs/{runId}/steps/charge/trace");
        Assert.Equal("r-1", step.GetProperty("outputContext").GetProperty("receipt").GetString());

        // And what is written from now on has the column too.
        await client.PostOkAsync(runId, Batch(StepStarted("notify", input: "{\"to\":\"ops\"}"), StepCompleted("notify")));
        var later = await client.GetJsonAsync($"api/runs/{runId}/timeline");
        Assert.Equal(["charge", "notify"], later.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("stepId").GetString()));
        Assert.All(later.GetProperty("attempts").EnumerateArray(), a => Assert.False(a.TryGetProperty("inputContext", out JsonElement _)));
    }

    [Fact]
    public async Task AFileFromBeforeTheInsights_GetsItsRunsCountedOnceAtStart()
    {
        await using (var before = await AppProcess.StartAsync("Dashboard.Runs", Args, _data))
        {
            using var http = new HttpClient { BaseAddress = before.BaseAddress };
            await http.PostOkAsync(NewRunId(), Batch(Started("wf-old"), StepStarted("charge"), StepCompleted("charge", cost: "0.5"), RunCompleted()));
            await http.PostOkAsync(NewRunId(), Batch(Started("wf-old"), StepStarted("charge"), StepFailed("charge", willRetry: false), RunFailed("card declined 42")));
            await AddPendingInsightsAsync(http);
        }
        // The file as the service wrote it before the aggregates existed.
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "runs.db")};Pooling=False"))
        {
            connection.Open();
            using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE insight_runs; DROP TABLE insight_steps; DROP TABLE insight_failure_groups; DROP TABLE insight_failures; DROP TABLE insight_workflows; "
                + "DROP TABLE insight_pending; DROP TABLE insight_pending_turn;";
            drop.ExecuteNonQuery();
        }

        for (var start = 0; start < 2; start++)
        {
            // A second start must not count them again.
            await using var after = await AppProcess.StartAsync("Dashboard.Runs", Args, _data);
            using var client = new HttpClient { BaseAddress = after.BaseAddress };
            var period = "from=2026-11-01T00:00:00Z&to=2027-03-01T00:00:00Z&workflowId=wf-old";   // Api.Time() counts from 2026-11-23
            var summary = await client.GetJsonAsync($"api/insights/summary?{period}");
            var failures = await client.GetJsonAsync($"api/insights/failures?{period}");
            var steps = await client.GetJsonAsync($"api/insights/steps?{period}");

            Assert.Equal(2, summary.GetProperty("runs").GetInt64());
            Assert.Equal(1, summary.GetProperty("byStatus").GetProperty("failed").GetInt64());
            Assert.Equal("0.5", summary.GetProperty("costUsd").GetString());
            Assert.Equal("card declined 42", failures.GetProperty("groups")[0].GetProperty("message").GetString());
            Assert.Equal(2, steps.GetProperty("steps")[0].GetProperty("attempts").GetInt64());
        }
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AStoreFromBeforeTheStatusCounts_GetsItsRunsCountedOnceAtStart(string store)
    {
        string[] args = store == "sqlite" ? Args : [.. await Stores.ArgumentsAsync(store), "--Logging:LogLevel:Default", "Warning"];
        await using (var before = await AppProcess.StartAsync("Dashboard.Runs", args, _data))
        {
            using var http = new HttpClient { BaseAddress = before.BaseAddress };
            await http.PostOkAsync(NewRunId(), Batch(Started("wf-old"), RunCompleted()));
            await http.PostOkAsync(NewRunId(), Batch(Started("wf-old"), RunFailed()));
            await http.PostOkAsync(NewRunId(), Batch(Started("wf-other")));
        }
        // The store as the service wrote it before the counts were kept (on PostgreSQL, its version the one before them).
        if (store == "sqlite")
        {
            using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "runs.db")};Pooling=False");
            connection.Open();
            using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TRIGGER runs_count_insert; DROP TRIGGER runs_count_update; DROP TRIGGER runs_count_delete; DROP TABLE run_status_counts;";
            drop.ExecuteNonQuery();
        }
        else
        {
            await using var connection = new Npgsql.NpgsqlConnection(args[Array.IndexOf(args, "--ConnectionStrings:Runs") + 1]);
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var drop = new Npgsql.NpgsqlCommand("""
                DROP TRIGGER runs_count_rows ON runs; DROP TRIGGER runs_count_update ON runs; DROP FUNCTION runs_count_status();
                DROP FUNCTION run_status_count_add(text, text, smallint, int); DROP TABLE run_status_counts;
                """ + VersionBefore("CREATE TABLE run_status_counts"), connection);
            await drop.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        for (var start = 0; start < 2; start++)
        {
            // A second start must not count them again; a run ending after the upgrade moves from one count to the other.
            await using var after = await AppProcess.StartAsync("Dashboard.Runs", args, _data);
            using var client = new HttpClient { BaseAddress = after.BaseAddress };
            var counts = (await client.GetJsonAsync("api/runs?limit=1")).GetProperty("statusCounts");
            Assert.Equal((1 + start, 1, 1 - start), (counts.GetProperty("completed").GetInt32(), counts.GetProperty("failed").GetInt32(), counts.GetProperty("running").GetInt32()));
            var old = (await client.GetJsonAsync("api/runs?limit=1&workflowId=wf-old")).GetProperty("statusCounts");
            Assert.Equal((1, 1, 0), (old.GetProperty("completed").GetInt32(), old.GetProperty("failed").GetInt32(), old.GetProperty("running").GetInt32()));
            if (start == 0)
            {
                var running = (await client.GetJsonAsync("api/runs?workflowId=wf-other")).GetProperty("items")[0].GetProperty("id").GetString()!;
                await client.PostOkAsync(running, Batch(RunCompleted()));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AStoreFromBeforeCostReports_KeepsTheCostsItHad_AndReadsNoCostWhereNoneWasReported(string store)
    {
        string[] args = store == "sqlite" ? Args : [.. await Stores.ArgumentsAsync(store), "--Logging:LogLevel:Default", "Warning"];
        await using (var before = await AppProcess.StartAsync("Dashboard.Runs", args, _data))
        {
            using var http = new HttpClient { BaseAddress = before.BaseAddress };
            await http.PostOkAsync(NewRunId(), Batch(Started("wf-priced"), StepStarted("llm"), StepCompleted("llm", cost: "0.5"), RunCompleted()));
            await http.PostOkAsync(NewRunId(), Batch(Started("wf-unpriced"), StepStarted("fetch"), StepCompleted("fetch"), RunCompleted()));
            await AddPendingInsightsAsync(http);
        }
        // The store as the service wrote it before the column existed (on PostgreSQL, its version the one before it).
        await DowngradeAsync(store, args, "ALTER TABLE insight_runs DROP COLUMN cost_reports; ALTER TABLE insight_steps DROP COLUMN cost_reports;",
            "ADD COLUMN IF NOT EXISTS cost_reports");

        for (var start = 0; start < 2; start++)
        {
            // A second start must not count the costs again; a cost reported after the upgrade adds to them.
            await using var after = await AppProcess.StartAsync("Dashboard.Runs", args, _data);
            using var client = new HttpClient { BaseAddress = after.BaseAddress };
            const string Period = "from=2026-11-01T00:00:00Z&to=2027-03-01T00:00:00Z";   // Api.Time() counts from 2026-11-23
            var workflows = (await client.GetJsonAsync($"api/insights/workflows?{Period}")).GetProperty("workflows").EnumerateArray()
                .ToDictionary(w => w.GetProperty("workflowId").GetString()!, CostOf);
            Assert.Equal(start == 0 ? "0.5" : "0.75", workflows["wf-priced"]);
            Assert.Null(workflows["wf-unpriced"]);
            var steps = (await client.GetJsonAsync($"api/insights/steps?{Period}&workflowId=wf-unpriced")).GetProperty("steps");
            Assert.Null(CostOf(Assert.Single(steps.EnumerateArray())));
            if (start == 0)
            {
                await client.PostOkAsync(NewRunId(), Batch(Started("wf-priced"), StepStarted("llm"), StepCompleted("llm", cost: "0.25"), RunCompleted()));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task PendingDeltasFromBeforeRowsSaidTheirFormat_AreCountedOnceAfterTheUpgrade(string store)
    {
        // No background passes: the batches' deltas are still pending when the service stops.
        string[] args = [.. store == "sqlite" ? Args : [.. await Stores.ArgumentsAsync(store), "--Logging:LogLevel:Default", "Warning"], "--Runs:InsightsIntervalMs", "3600000"];
        const string Period = "workflowId=wf-pending-format&from=2026-11-01T00:00:00Z&to=2027-03-01T00:00:00Z";
        await using (var before = await AppProcess.StartAsync("Dashboard.Runs", args, _data))
        {
            using var http = new HttpClient { BaseAddress = before.BaseAddress };
            for (var run = 0; run < 3; run++)
            {
                await http.PostOkAsync(NewRunId(), Batch(Started("wf-pending-format"), StepStarted("llm"), StepCompleted("llm", cost: "0.5"), RunCompleted()));
            }
        }
        await DowngradeAsync(store, args, "DROP TABLE insight_unreadable; ALTER TABLE insight_pending DROP COLUMN format;", "ADD COLUMN IF NOT EXISTS format");

        await using var after = await AppProcess.StartAsync("Dashboard.Runs", args, _data);
        using var client = new HttpClient { BaseAddress = after.BaseAddress };
        for (var read = 0; read < 2; read++)
        {
            var summary = await client.GetJsonAsync($"api/insights/summary?{Period}");
            Assert.Equal((3, "1.5"), (summary.GetProperty("byStatus").GetProperty("completed").GetInt32(), summary.GetProperty("costUsd").GetString()));
        }
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AStoreFromBeforeTheCostByModel_GetsItsModelCallsCountedOnceAtStart(string store)
    {
        string[] args = store == "sqlite" ? Args : [.. await Stores.ArgumentsAsync(store), "--Logging:LogLevel:Default", "Warning"];
        var model = $"model-{Guid.NewGuid():N}";
        await using (var before = await AppProcess.StartAsync("Dashboard.Runs", args, _data))
        {
            using var http = new HttpClient { BaseAddress = before.BaseAddress };
            await http.PostOkAsync(NewRunId(), Batch(Started("wf-models"), StepStarted("llm"), StepCompleted("llm", cost: "0.5", model: model), RunCompleted()));
            await AddPendingInsightsAsync(http);
        }
        // The store as the service wrote it before the models were counted (on PostgreSQL, its version the one before).
        await DowngradeAsync(store, args, "DROP TABLE insight_models; DROP TABLE insight_backfills;", "CREATE TABLE IF NOT EXISTS insight_models");

        for (var start = 0; start < 2; start++)
        {
            // A second start must not count them again, nor the run figures that were there; a call after the upgrade adds.
            await using var after = await AppProcess.StartAsync("Dashboard.Runs", args, _data);
            using var client = new HttpClient { BaseAddress = after.BaseAddress };
            const string Period = "from=2026-11-01T00:00:00Z&to=2027-03-01T00:00:00Z&workflowId=wf-models";   // Api.Time() counts from 2026-11-23
            var counted = Assert.Single((await client.GetJsonAsync($"api/insights/models?{Period}")).GetProperty("models").EnumerateArray());
            Assert.Equal((model, 1 + start, start == 0 ? "0.5" : "0.75"), (counted.GetProperty("model").GetString(), counted.GetProperty("calls").GetInt32(), CostOf(counted)));
            Assert.Equal(1 + start, (await client.GetJsonAsync($"api/insights/summary?{Period}")).GetProperty("runs").GetInt32());
            if (start == 0)
            {
                await client.PostOkAsync(NewRunId(), Batch(Started("wf-models"), StepStarted("llm"), StepCompleted("llm", cost: "0.25", model: model), RunCompleted()));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AStoreWithModelsKeptByTheHourOnly_GetsTheirMinuteRowsAndThePickersModelsOnceAtStart(string store)
    {
        string[] args = store == "sqlite" ? Args : [.. await Stores.ArgumentsAsync(store), "--Logging:LogLevel:Default", "Warning"];
        var (model, runId) = ($"model-{Guid.NewGuid():N}", NewRunId());
        string period;
        await using (var before = await AppProcess.StartAsync("Dashboard.Runs", args, _data))
        {
            using var http = new HttpClient { BaseAddress = before.BaseAddress };
            await http.PostOkAsync(runId, Batch(Started("wf-minutes"), StepStarted("llm"), StepCompleted("llm", cost: "0.5", model: model), RunCompleted()));
            // Two minutes around the run's start: a period read from minute rows.
            var started = (await http.GetJsonAsync($"api/runs/{runId}")).GetProperty("startedAt").GetDateTimeOffset();
            period = $"from={Uri.EscapeDataString(started.AddMinutes(-1).ToString("O"))}&to={Uri.EscapeDataString(started.AddMinutes(1).ToString("O"))}&workflowId=wf-minutes";
            await AddPendingInsightsAsync(http);
        }
        // The store as the service wrote it when models were kept by the hour and day only, and before the list's model
        // picker (on PostgreSQL, its version the one before).
        await DowngradeAsync(store, args, "DELETE FROM insight_models WHERE grain = 1; DELETE FROM insight_backfills WHERE name IN ('models-by-minute', 'workflow-models'); "
            + "DROP TABLE insight_workflow_models;", "CREATE TABLE IF NOT EXISTS insight_workflow_models");

        for (var start = 0; start < 2; start++)
        {
            // A second start must not count them again.
            await using var after = await AppProcess.StartAsync("Dashboard.Runs", args, _data);
            using var client = new HttpClient { BaseAddress = after.BaseAddress };
            var counted = Assert.Single((await client.GetJsonAsync($"api/insights/models?{period}")).GetProperty("models").EnumerateArray());
            Assert.Equal((model, 1, "0.5"), (counted.GetProperty("model").GetString(), counted.GetProperty("calls").GetInt32(), CostOf(counted)));
            Assert.Contains(model, (await client.GetJsonAsync("api/runs/facets")).GetProperty("models").EnumerateArray().Select(m => m.GetString()));
        }
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AStoreFromBeforeRunsKeptTheirFailureGroup_GetsItsFailedRunsPlacedOnceAtStart(string store)
    {
        string[] args = store == "sqlite" ? Args : [.. await Stores.ArgumentsAsync(store), "--Logging:LogLevel:Default", "Warning"];
        var workflow = $"wf-groups-{Guid.NewGuid():N}";
        var failed = NewRunId();
        await using (var before = await AppProcess.StartAsync("Dashboard.Runs", args, _data))
        {
            using var http = new HttpClient { BaseAddress = before.BaseAddress };
            await http.PostOkAsync(failed, Batch(Started(workflow), StepStarted("charge"), StepFailed("charge", willRetry: false), RunFailed("card declined 42")));
            await http.PostOkAsync(NewRunId(), Batch(Started(workflow), StepStarted("charge"), StepCompleted("charge"), RunCompleted()));
            // Counted before the store is taken back: the groups are there, the runs' places in them are not.
            Assert.Single((await http.GetJsonAsync($"api/insights/failures?workflowId={workflow}&from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z")).GetProperty("groups").EnumerateArray());
        }
        await DowngradeAsync(store, args, "DROP TABLE run_failures; DELETE FROM insight_backfills WHERE name = 'run-failures';", "CREATE TABLE IF NOT EXISTS run_failures");

        var expected = new List<string> { failed };
        for (var start = 0; start < 2; start++)
        {
            // A second start must not place them again; a run failing the same way after the upgrade joins the old one.
            await using var after = await AppProcess.StartAsync("Dashboard.Runs", args, _data);
            using var client = new HttpClient { BaseAddress = after.BaseAddress };
            var group = Assert.Single((await client.GetJsonAsync($"api/insights/failures?workflowId={workflow}&from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z")).GetProperty("groups").EnumerateArray());
            var listed = (await client.GetJsonAsync($"api/runs?failureSignature={group.GetProperty("signature").GetString()}")).GetProperty("items")
                .EnumerateArray().Select(r => r.GetProperty("id").GetString()!);
            Assert.Equal(expected.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
            if (start == 0)
            {
                expected.Add(NewRunId());
                await client.PostOkAsync(expected[^1], Batch(Started(workflow), StepStarted("charge"), StepFailed("charge", willRetry: false), RunFailed("card declined 77")));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AStoreFromBeforeTheModelFilter_GetsItsRunsModelsOnceAtStart(string store)
    {
        string[] args = store == "sqlite" ? Args : [.. await Stores.ArgumentsAsync(store), "--Logging:LogLevel:Default", "Warning"];
        var (model, caller, other) = ($"model-{Guid.NewGuid():N}", NewRunId(), NewRunId());
        await using (var before = await AppProcess.StartAsync("Dashboard.Runs", args, _data))
        {
            using var http = new HttpClient { BaseAddress = before.BaseAddress };
            await http.PostOkAsync(caller, Batch(Started("wf-filter"), StepStarted("llm"), StepFailed("llm"), StepStarted("llm", attempt: 2),
                StepCompleted("llm", attempt: 2, model: model), RunCompleted()));
            await http.PostOkAsync(other, Batch(Started("wf-filter"), StepStarted("fetch"), StepCompleted("fetch"), RunCompleted()));
        }
        // The store as the service wrote it before runs' models were kept (on PostgreSQL, its version the one before).
        await DowngradeAsync(store, args, "DROP TABLE run_models;", "CREATE TABLE IF NOT EXISTS run_models");

        var expected = new List<string> { caller };
        for (var start = 0; start < 2; start++)
        {
            // A second start must not fill it again; a run after the upgrade is listed beside the old one.
            await using var after = await AppProcess.StartAsync("Dashboard.Runs", args, _data);
            using var client = new HttpClient { BaseAddress = after.BaseAddress };
            var listed = (await client.GetJsonAsync($"api/runs?model={model}")).GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString()!);
            Assert.Equal(expected.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
            if (start == 0)
            {
                expected.Add(NewRunId());
                await client.PostOkAsync(expected[^1], Batch(Started("wf-filter"), StepStarted("llm"), StepCompleted("llm", model: model), RunCompleted()));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AStoreWithTheModelRowsKeyedByWorkflowFirst_IsRekeyedKeepingItsRows(string store)
    {
        string[] args = store == "sqlite" ? Args : [.. await Stores.ArgumentsAsync(store), "--Logging:LogLevel:Default", "Warning"];
        var model = $"model-{Guid.NewGuid():N}";
        await using (var before = await AppProcess.StartAsync("Dashboard.Runs", args, _data))
        {
            using var http = new HttpClient { BaseAddress = before.BaseAddress };
            await http.PostOkAsync(NewRunId(), Batch(Started("wf-rekey"), StepStarted("llm"), StepCompleted("llm", cost: "0.5", model: model), RunCompleted()));
        }
        // The key the first cut of cost by model wrote (workflow first), its rows kept.
        await DowngradeAsync(store, args, store == "sqlite"
            ? """
              ALTER TABLE insight_models RENAME TO m_old;
              CREATE TABLE insight_models (grain INTEGER NOT NULL, bucket INTEGER NOT NULL, workflow_id TEXT NOT NULL, model TEXT NOT NULL,
                  calls INTEGER NOT NULL, failed INTEGER NOT NULL, cost_pico INTEGER NOT NULL, cost_reports INTEGER NOT NULL,
                  prompt_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
                  PRIMARY KEY (workflow_id, grain, bucket, model)) WITHOUT ROWID;
              INSERT INTO insight_models SELECT * FROM m_old;
              DROP TABLE m_old;
              """
            : "ALTER TABLE insight_models DROP CONSTRAINT insight_models_pkey, ADD PRIMARY KEY (workflow_id, grain, bucket, model, shard);",
            "ADD PRIMARY KEY (grain, bucket, workflow_id, model, shard)");
        Assert.Equal("workflow_id", await FirstKeyColumnOfModelsAsync(store, args));

        await using var after = await AppProcess.StartAsync("Dashboard.Runs", args, _data);
        using var client = new HttpClient { BaseAddress = after.BaseAddress };
        Assert.Equal("grain", await FirstKeyColumnOfModelsAsync(store, args));
        // A call after the upgrade adds to the row kept (the upsert's conflict is on the new key).
        await client.PostOkAsync(NewRunId(), Batch(Started("wf-rekey"), StepStarted("llm"), StepCompleted("llm", cost: "0.25", model: model), RunCompleted()));
        const string Period = "from=2026-11-01T00:00:00Z&to=2027-03-01T00:00:00Z&workflowId=wf-rekey";
        var counted = Assert.Single((await client.GetJsonAsync($"api/insights/models?{Period}")).GetProperty("models").EnumerateArray());
        Assert.Equal((model, 2, "0.75"), (counted.GetProperty("model").GetString(), counted.GetProperty("calls").GetInt32(), CostOf(counted)));
    }

    private async Task<string> FirstKeyColumnOfModelsAsync(string store, string[] args)
    {
        if (store == "sqlite")
        {
            using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "runs.db")};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT name FROM pragma_table_info('insight_models') WHERE pk = 1";
            return (string)command.ExecuteScalar()!;
        }
        await using var pg = new Npgsql.NpgsqlConnection(args[Array.IndexOf(args, "--ConnectionStrings:Runs") + 1]);
        await pg.OpenAsync(TestContext.Current.CancellationToken);
        await using var key = new Npgsql.NpgsqlCommand("""
            SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
            WHERE i.indrelid = 'insight_models'::regclass AND i.indisprimary
            """, pg);
        return (string)(await key.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AStoreFromBeforeLinesKeptTheirSpan_MovesAnOldLineOntoItsStepWhenTheSpanComes(string store)
    {
        string[] args = [.. store == "sqlite" ? Args : [.. await Stores.ArgumentsAsync(store), "--Logging:LogLevel:Default", "Warning"], "--Runs:OtlpLogWaitSeconds", "1"];
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        string Span(string id, string name, long end) => $$$"""
            {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"{{{traceId}}}","spanId":"{{{id}}}","parentSpanId":"00000000000000a1","name":"{{{name}}}",
             "startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + end}}}"}]}]}]}
            """;
        await using (var before = await AppProcess.StartAsync("Dashboard.Runs", args, _data))
        {
            using var http = new HttpClient { BaseAddress = before.BaseAddress };
            await PostOtlpAsync(http, "v1/traces", Span("00000000000000b2", "classify", 2_000_000));
            await PostOtlpAsync(http, "v1/logs", $$"""
                {"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"early"},"traceId":"{{traceId}}","spanId":"00000000000000d4"}]}]}]}
                """);
            await UntilAsync(async () => (await http.GetJsonAsync($"api/runs/{traceId}/logs")).GetProperty("items").GetArrayLength() == 1, "the line on the run");
        }
        // The store as the service wrote it before lines kept their span in a column (on PostgreSQL, its version the one before).
        await DowngradeAsync(store, args, "DROP INDEX run_logs_by_span; ALTER TABLE run_logs DROP COLUMN span_id;", "ADD COLUMN IF NOT EXISTS span_id");

        await using var after = await AppProcess.StartAsync("Dashboard.Runs", args, _data);
        using var client = new HttpClient { BaseAddress = after.BaseAddress };
        await PostOtlpAsync(client, "v1/traces", Span("00000000000000d4", "crawl", 9_000_000));
        await UntilAsync(async () => (await client.GetJsonAsync($"api/runs/{traceId}/logs?stepId=crawl")).GetProperty("items").GetArrayLength() == 1,
            "the old line on the step its span became");
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AStoreFromBeforeLogLinesWereListedByTime_ListsItsLinesByTime(string store)
    {
        string[] args = store == "sqlite" ? Args : [.. await Stores.ArgumentsAsync(store), "--Logging:LogLevel:Default", "Warning"];
        var runId = NewRunId();
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-5);
        string Line(int seconds, string message) =>
            $$"""{"type":"log","timestamp":"{{t0.AddSeconds(seconds):yyyy-MM-dd'T'HH:mm:ss'Z'}}","level":"info","message":"{{message}}"}""";
        await using (var before = await AppProcess.StartAsync("Dashboard.Runs", args, _data))
        {
            using var http = new HttpClient { BaseAddress = before.BaseAddress };
            await http.PostOkAsync(runId, $$"""[{"type":"run_started","timestamp":"{{t0:yyyy-MM-dd'T'HH:mm:ss'Z'}}","workflowId":"wf-logs"},{{Line(1, "a")}},{{Line(4, "d")}}]""");
            await http.PostOkAsync(runId, $"[{Line(2, "b")},{Line(3, "c")}]");
        }
        // The lines as the service kept them before: keyed by their seq (SQLite), without the index by time (PostgreSQL).
        await DowngradeAsync(store, args, store == "sqlite"
            ? """
              CREATE TABLE run_logs_old (run_id TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER, level_rank INTEGER NOT NULL, step_id TEXT, attempt INTEGER,
                  loop_index INTEGER NOT NULL, message TEXT, line_json TEXT NOT NULL, span_id TEXT, PRIMARY KEY (run_id, seq)) WITHOUT ROWID;
              INSERT INTO run_logs_old SELECT run_id, seq, at, level_rank, step_id, attempt, loop_index, message, line_json, span_id FROM run_logs;
              DROP TABLE run_logs;
              ALTER TABLE run_logs_old RENAME TO run_logs;
              """
            : "DROP INDEX run_logs_by_time;", "run_logs_by_time");

        await using var after = await AppProcess.StartAsync("Dashboard.Runs", args, _data);
        using var client = new HttpClient { BaseAddress = after.BaseAddress };
        async Task<List<string?>> Messages(string query = "") =>
            (await client.GetJsonAsync($"api/runs/{runId}/logs{query}")).GetProperty("items").EnumerateArray().Select(l => l.GetProperty("message").GetString()).ToList();
        Assert.Equal(["a", "b", "c", "d"], await Messages());
        var first = await client.GetJsonAsync($"api/runs/{runId}/logs?limit=2");
        Assert.Equal(["c", "d"], await Messages($"?cursor={first.GetProperty("nextCursor").GetString()}"));
        // And a line stored after the upgrade takes its place among them.
        await client.PostOkAsync(runId, $"[{Line(3, "c2")}]");
        Assert.Equal(["a", "b", "c", "c2", "d"], await Messages());
        if (store == "sqlite")
        {
            // Rebuilt keyed by time: a page by offset skips along the table rather than looking up each line it skips.
            using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "runs.db")};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var key = connection.CreateCommand();
            key.CommandText = "SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_table_info('run_logs') WHERE pk > 0 ORDER BY pk)";
            Assert.Equal("run_id,at,seq", key.ExecuteScalar());
        }
    }

    private static async Task PostOtlpAsync(HttpClient http, string path, string json)
    {
        using var response = await http.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode && !body.Contains("partialSuccess", StringComparison.Ordinal), body);
    }

    private static async Task UntilAsync(Func<Task<bool>> done, string what)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (!await done())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// Undoes a schema change in the store as the service left it: <paramref name="sql"/> on SQLite; on PostgreSQL, also
    /// the schema version set back to the one before the migration holding <paramref name="migration"/> (null: no migration
    /// to undo, only data).
    /// </summary>
    /// <summary>
    /// Has the service add what its batches moved in the aggregates (a read does, first): a store written before they were
    /// added behind ingestion held them all when the service stopped.
    /// </summary>
    private static Task AddPendingInsightsAsync(HttpClient http) => http.GetJsonAsync("api/insights/summary?from=2026-06-01T00:00:00Z&to=2027-06-01T00:00:00Z");

    private async Task DowngradeAsync(string store, string[] args, string sql, string? migration)
    {
        if (store == "sqlite")
        {
            using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "runs.db")};Pooling=False");
            connection.Open();
            using var drop = connection.CreateCommand();
            drop.CommandText = sql;
            drop.ExecuteNonQuery();
            return;
        }
        await using var pg = new Npgsql.NpgsqlConnection(args[Array.IndexOf(args, "--ConnectionStrings:Runs") + 1]);
        await pg.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new Npgsql.NpgsqlCommand(sql + (migration is null ? "" : VersionBefore(migration)), pg);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AStoreWithTheTwoEarlierStepIndexes_KeepsOneAtStart_AndReadsAttemptsAndLatestAsBefore(string store)
    {
        string[] args = store == "sqlite" ? Args : [.. await Stores.ArgumentsAsync(store), "--Logging:LogLevel:Default", "Warning"];
        var runId = NewRunId();
        await using (var before = await AppProcess.StartAsync("Dashboard.Runs", args, _data))
        {
            using var http = new HttpClient { BaseAddress = before.BaseAddress };
            await http.PostOkAsync(runId, Batch(Started(), StepStarted("charge"), StepFailed("charge", message: "card declined", willRetry: true)));
            await http.PostOkAsync(runId, Batch(StepStarted("charge", attempt: 2), StepCompleted("charge", attempt: 2), StepStarted("notify"), StepCompleted("notify")));
        }
        // The store as the service wrote it with the two indexes (on PostgreSQL, its version the one before the change).
        await DowngradeAsync(store, args,
            "DROP INDEX run_steps_by_order; CREATE INDEX run_steps_latest ON run_steps (run_id, is_latest, order_index); CREATE INDEX run_steps_order ON run_steps (run_id, order_index, attempt);",
            "run_steps_by_order");

        for (var start = 0; start < 2; start++)
        {
            await using var after = await AppProcess.StartAsync("Dashboard.Runs", args, _data);
            using var client = new HttpClient { BaseAddress = after.BaseAddress };
            var steps = (await client.GetJsonAsync($"api/runs/{runId}/trace")).GetProperty("steps").EnumerateArray().ToList();
            Assert.Equal([("charge", 2, "completed"), ("notify", 1 + start, "completed")],
                steps.Select(s => (s.GetProperty("stepId").GetString(), s.GetProperty("attempt").GetInt32(), s.GetProperty("status").GetString())));
            var attempts = (await client.GetJsonAsync($"api/runs/{runId}/steps/charge/trace?attempt=all")).GetProperty("attempts").EnumerateArray().ToList();
            Assert.Equal([(1, "failed"), (2, "completed")], attempts.Select(a => (a.GetProperty("attempt").GetInt32(), a.GetProperty("status").GetString())));
            if (start == 0)
            {
                // A retry written after the upgrade moves the step's latest attempt in the one index.
                await client.PostOkAsync(runId, Batch(StepStarted("notify", attempt: 2), StepCompleted("notify", attempt: 2)));
            }
        }
        Assert.Equal(["run_steps_by_order"], await StepIndexesAsync(store, args));
    }

    [Fact]
    public async Task ARunsLatestAttempts_AreReadAlongTheIndex_WithoutASort()
    {
        await using (var service = await AppProcess.StartAsync("Dashboard.Runs", Args, _data))
        {
            using var http = new HttpClient { BaseAddress = service.BaseAddress };
            await http.PostOkAsync(NewRunId(), Batch(Started(), StepStarted("charge"), StepCompleted("charge")));
        }
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "runs.db")};Pooling=False");
        connection.Open();
        using var plan = connection.CreateCommand();
        plan.CommandText = "EXPLAIN QUERY PLAN " + Projections.RunQueries.LatestStepsSql;
        plan.Parameters.AddWithValue("@run", "any");
        var steps = new List<string>();
        using (var reader = plan.ExecuteReader())
        {
            while (reader.Read())
            {
                steps.Add(reader.GetString(3));
            }
        }
        Assert.Contains(steps, s => s.Contains("USING INDEX run_steps_by_order", StringComparison.Ordinal));
        Assert.DoesNotContain(steps, s => s.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }

    /// <summary>The secondary indexes on run_steps, by name, after the service stopped.</summary>
    private async Task<List<string>> StepIndexesAsync(string store, string[] args)
    {
        var names = new List<string>();
        if (store == "sqlite")
        {
            using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "runs.db")};Pooling=False");
            connection.Open();
            using var list = connection.CreateCommand();
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'run_steps' AND sql IS NOT NULL ORDER BY name";
            using var rows = list.ExecuteReader();
            while (rows.Read())
            {
                names.Add(rows.GetString(0));
            }
            return names;
        }
        await using var pg = new Npgsql.NpgsqlConnection(args[Array.IndexOf(args, "--ConnectionStrings:Runs") + 1]);
        await pg.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new Npgsql.NpgsqlCommand("SELECT indexname FROM pg_indexes WHERE tablename = 'run_steps' AND indexname <> 'run_steps_pkey' ORDER BY indexname", pg);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            names.Add(reader.GetString(0));
        }
        return names;
    }

    /// <summary>Sets the runs' PostgreSQL schema back to before the migration that holds <paramref name="text"/>: the next start applies it and every one after it.</summary>
    private static string VersionBefore(string text)
    {
        var index = Storage.PostgreSqlRunsSchema.Migrations.ToList().FindIndex(m => m.Contains(text, StringComparison.Ordinal));
        Assert.True(index >= 0, $"no migration holds '{text}'");
        return $" UPDATE schema_versions SET version = {index} WHERE component = 'runs';";
    }

    /// <summary>An answer's costUsd; null when it has none (a null is left out).</summary>
    private static string? CostOf(JsonElement element) =>
        element.TryGetProperty("costUsd", out var cost) && cost.ValueKind == JsonValueKind.String ? cost.GetString() : null;

    [Fact]
    public async Task AFileFromBeforeTheSearchIndex_GetsItsRunsIndexedOnceAtStart()
    {
        var runId = NewRunId();
        await using (var before = await AppProcess.StartAsync("Dashboard.Runs", Args, _data))
        {
            using var http = new HttpClient { BaseAddress = before.BaseAddress };
            await http.PostOkAsync(runId, Batch(Started("wf-old"), StepStarted("charge", input: "{\"card\":\"zoldcard\"}"),
                $$"""{"type":"log","timestamp":"{{Time()}}","level":"error","message":"zoldlog happened","stepId":"charge","attempt":1}""",
                StepFailed("charge", willRetry: false), RunFailed("card declined 42")));
        }
        // The runs' file as the service wrote it before the index existed: no index beside it.
        DeleteSearchFile(_data);

        for (var start = 0; start < 2; start++)
        {
            // A second start must not index them again.
            await using var after = await AppProcess.StartAsync("Dashboard.Runs", Args, _data);
            using var client = new HttpClient { BaseAddress = after.BaseAddress };
            var fields = new List<string?>();
            foreach (var word in (string[])["zoldcard", "zoldlog", "declined"])
            {
                var hits = (await client.GetJsonAsync($"api/search?q={word}")).GetProperty("items").EnumerateArray().ToList();
                Assert.All(hits, h => Assert.Equal(runId, h.GetProperty("runId").GetString()));
                fields.AddRange(hits.Select(h => h.GetProperty("field").GetString()));
            }
            Assert.Equal(["input", "log", "error"], fields);   // the step failed with "upstream 502", the run with "card declined 42"
        }
    }

    [Fact]
    public async Task AFileThatKeptTheSearchIndexInside_LosesItThere_AndGetsItsRunsIndexedInTheFileBeside()
    {
        var runId = NewRunId();
        await using (var before = await AppProcess.StartAsync("Dashboard.Runs", Args, _data))
        {
            using var http = new HttpClient { BaseAddress = before.BaseAddress };
            await http.PostOkAsync(runId, Batch(Started("wf-old"), StepStarted("charge", input: "{\"card\":\"zinsidecard\"}"), RunFailed("card declined 43")));
        }
        // The layout before the index had its own file: its tables in the runs' file (with a document the new index
        // must not keep: it is made again from the runs' streams), nothing beside it.
        DeleteSearchFile(_data);
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "runs.db")};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = """
                CREATE TABLE run_search (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, workflow_id TEXT NOT NULL, started_at INTEGER NOT NULL,
                    step_id TEXT, loop_index INTEGER NOT NULL, attempt INTEGER, field TEXT NOT NULL, log_seq INTEGER, body TEXT NOT NULL);
                CREATE VIRTUAL TABLE run_search_text USING fts5(body, content='run_search', content_rowid='id');
                CREATE TABLE run_search_progress (id INTEGER PRIMARY KEY CHECK (id = 1), feed_offset TEXT NOT NULL DEFAULT '', indexed_to INTEGER NOT NULL);
                INSERT INTO run_search (run_id, workflow_id, started_at, loop_index, field, body) VALUES ('gone', 'wf-old', 0, -1, 'input', 'zinsidecard');
                """;
            create.ExecuteNonQuery();
        }

        await using var after = await AppProcess.StartAsync("Dashboard.Runs", Args, _data);
        using var client = new HttpClient { BaseAddress = after.BaseAddress };
        var hits = (await client.GetJsonAsync("api/search?q=zinsidecard")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([runId], hits.Select(h => h.GetProperty("runId").GetString()));
        Assert.True(File.Exists(Path.Combine(_data, "runs.search.db")));
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "runs.db")};Mode=ReadOnly;Pooling=False"))
        {
            connection.Open();
            using var tables = connection.CreateCommand();
            tables.CommandText = "SELECT count(*) FROM sqlite_master WHERE name LIKE 'run_search%'";
            Assert.Equal(0L, (long)tables.ExecuteScalar()!);
        }
    }

    [Fact]
    public async Task ARunsFileReplacedBesideAnOldIndex_GetsAnIndexOfItsOwn()
    {
        var (oldRun, newRun) = (NewRunId(), NewRunId());
        await using (var first = await AppProcess.StartAsync("Dashboard.Runs", Args, _data))
        {
            using var http = new HttpClient { BaseAddress = first.BaseAddress };
            await http.PostOkAsync(oldRun, Batch(Started("wf-old"), StepStarted("charge", input: "{\"card\":\"zreplacedcard\"}")));
            Assert.Single((await http.GetJsonAsync("api/search?q=zreplacedcard")).GetProperty("items").EnumerateArray());
        }
        // A new runs file (restored, or started afresh) beside the index of the old one.
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(_data, "runs.db*"))
        {
            File.Delete(file);
        }

        await using var second = await AppProcess.StartAsync("Dashboard.Runs", Args, _data);
        using var client = new HttpClient { BaseAddress = second.BaseAddress };
        await client.PostOkAsync(newRun, Batch(Started("wf-new"), StepStarted("charge", input: "{\"card\":\"zreplacedcard\"}")));
        var hits = (await client.GetJsonAsync("api/search?q=zreplacedcard")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([newRun], hits.Select(h => h.GetProperty("runId").GetString()));
    }

    private static void DeleteSearchFile(string data)
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(data, "runs.search.db*"))
        {
            File.Delete(file);
        }
    }
}
