using System.Text.Json;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary>Seeds 002 and 004 served in their own names, with every field they document present (null when empty).</summary>
public abstract class SeedShapeTests(RunsServiceFixture fixture)
{
    private static readonly string[] SeedRunFields =
    [
        "id", "account_id", "user_id", "status", "state", "created_at", "completed_at", "failed_at", "parent_run_id",
        "runnable_id", "experiment_id", "experiment_candidate_id", "telemetry_span_id", "prompt_tokens", "cached_tokens",
        "completion_tokens", "cost", "result", "error", "metadata",
    ];

    private static readonly string[] ExecutionFields =
        ["id", "run_id", "workflow_id", "status", "started_at", "ended_at", "duration_ms", "event_name", "created", "column_config", "error"];

    private static readonly string[] ExecutionStepFields =
        ["step_id", "step_name", "operation", "status", "started_at", "ended_at", "duration_ms", "input", "output", "mapped_output", "error"];

    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task SeedRunRecord_OfARunWithNoOptionalFields_HasEveryKey_NullWhereUnknown()
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, $$"""[{"type":"run_started","timestamp":"{{Time()}}","workflowId":"wf-bare"}]""");

        var record = await Http.GetJsonAsync($"v1/runs/{runId}");

        Assert.Equal(SeedRunFields.Order(), record.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("running", record.GetProperty("status").GetString());
        foreach (var field in (string[])["account_id", "user_id", "completed_at", "failed_at", "parent_run_id", "experiment_id",
            "experiment_candidate_id", "telemetry_span_id", "cost", "result", "error", "metadata"])
        {
            Assert.True(record.GetProperty(field).ValueKind == JsonValueKind.Null, $"{field} should be null: {record.GetProperty(field)}");
        }
        Assert.Equal(0, record.GetProperty("prompt_tokens").GetInt64());
        Assert.Equal("wf-bare", record.GetProperty("runnable_id").GetString());
        Assert.Equal(JsonValueKind.Null, record.GetProperty("state").GetProperty("waiting_reason").ValueKind);
    }

    [Fact]
    public async Task SeedRunRecord_OfAFailedChildRunWithEverything_CarriesTheSeedsNamesAndCodes()
    {
        var parent = NewRunId("parent");
        await Http.PostOkAsync(parent, Batch(Started()));
        var runId = NewRunId();
        await Http.PostOkAsync(runId, Batch(
            Started("wf-agent", $$"""
                "parentRunId":"{{parent}}","runnableId":"agent-7","runnableKind":"agent","experimentId":"exp-1",
                "experimentCandidateId":"cand-2","telemetrySpanId":"00f067aa0ba902b7","accountId":"acct-9","userId":"user-3",
                "metadata":{"region":"eu"}
                """),
            StepStarted("ask"), StepCompleted("ask", output: "{\"answer\":42}", cost: "0.0125", model: "gpt-4o-mini"),
            StepStarted("charge"), StepFailed("charge", willRetry: false),
            $$$"""{"type":"run_failed","timestamp":"{{{Time()}}}","error":{"code":"RATE_LIMIT_EXCEEDED","message":"provider said 429","type":"RateLimit"}}"""));

        var record = await Http.GetJsonAsync($"v1/runs/{runId}");

        Assert.Equal(SeedRunFields.Order(), record.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("failed", record.GetProperty("status").GetString());
        Assert.Equal(parent, record.GetProperty("parent_run_id").GetString());
        Assert.Equal(("agent-7", "exp-1", "cand-2", "00f067aa0ba902b7", "acct-9", "user-3"), (
            record.GetProperty("runnable_id").GetString(), record.GetProperty("experiment_id").GetString(),
            record.GetProperty("experiment_candidate_id").GetString(), record.GetProperty("telemetry_span_id").GetString(),
            record.GetProperty("account_id").GetString(), record.GetProperty("user_id").GetString()));
        Assert.Equal(record.GetProperty("completed_at").GetString(), record.GetProperty("failed_at").GetString());
        Assert.NotNull(record.GetProperty("created_at").GetString());
        // Api.StepCompleted reports 100 prompt tokens of which 40 cached, and 20 completion tokens.
        Assert.Equal((100, 40, 20), (record.GetProperty("prompt_tokens").GetInt64(), record.GetProperty("cached_tokens").GetInt64(), record.GetProperty("completion_tokens").GetInt64()));
        var result = record.GetProperty("result");
        Assert.Equal((100, 40, 20), (result.GetProperty("prompt_tokens").GetInt64(), result.GetProperty("cached_tokens").GetInt64(), result.GetProperty("completion_tokens").GetInt64()));
        Assert.Equal(JsonValueKind.Null, result.GetProperty("output").ValueKind);
        Assert.Equal("0.0125", record.GetProperty("cost").GetString());
        var error = record.GetProperty("error");
        Assert.Equal(("RATE_LIMIT_EXCEEDED", "provider said 429", "charge"), (error.GetProperty("code").GetString(), error.GetProperty("message").GetString(), error.GetProperty("step_id").GetString()));
        Assert.Equal("eu", record.GetProperty("metadata").GetProperty("region").GetString());
        Assert.Equal("charge", record.GetProperty("state").GetProperty("failed_step_id").GetString());
    }

    [Fact]
    public async Task SeedRunRecord_MapsAnEngineCodeOutsideTheSeedsToInternalError_AndATimeoutToTimeout()
    {
        var failed = NewRunId();
        await Http.PostOkAsync(failed, Batch(Started(), $$$"""{"type":"run_failed","timestamp":"{{{Time()}}}","error":{"code":"E_CARD","message":"card declined"}}"""));
        var timedOut = NewRunId();
        await Http.PostOkAsync(timedOut, Batch(Started(), $$"""{"type":"run_timed_out","timestamp":"{{Time()}}"}"""));

        var failedError = (await Http.GetJsonAsync($"v1/runs/{failed}")).GetProperty("error");
        var timeout = await Http.GetJsonAsync($"v1/runs/{timedOut}");

        Assert.Equal(("INTERNAL_ERROR", "E_CARD", "card declined"), (failedError.GetProperty("code").GetString(), failedError.GetProperty("engine_code").GetString(), failedError.GetProperty("message").GetString()));
        Assert.Equal("timeout", timeout.GetProperty("status").GetString());
        Assert.Equal("TIMEOUT", timeout.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, timeout.GetProperty("failed_at").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, timeout.GetProperty("completed_at").ValueKind);
    }

    [Fact]
    public async Task SeedRunRecord_OfAnUnknownRun_IsTheNotFoundEnvelope()
    {
        var (status, body) = await Http.GetErrorAsync("v1/runs/no-such-run");

        Assert.Equal(404, status);
        Assert.Equal("RESOURCE_NOT_FOUND", body.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Execution_OfARunningRunWithBareSteps_HasEverySeedFieldWithNulls()
    {
        var runId = NewRunId();
        await Http.PostOkAsync(runId, $$"""
            [{"type":"run_started","timestamp":"{{Time()}}","workflowId":"wf-seed4"},
             {"type":"step_started","timestamp":"{{Time()}}","stepId":"fetch"}]
            """);

        var execution = await Http.GetJsonAsync($"api/workflows/wf-seed4/executions/{runId}");
        var list = await Http.GetJsonAsync("api/workflows/wf-seed4/executions");

        foreach (var field in ExecutionFields.Append("steps"))
        {
            Assert.True(execution.TryGetProperty(field, out _), $"execution lacks {field}: {execution}");
        }
        foreach (var field in (string[])["ended_at", "duration_ms", "event_name", "column_config", "error"])
        {
            Assert.Equal(JsonValueKind.Null, execution.GetProperty(field).ValueKind);
        }
        var step = execution.GetProperty("steps")[0];
        foreach (var field in ExecutionStepFields)
        {
            Assert.True(step.TryGetProperty(field, out _), $"step lacks {field}: {step}");
        }
        foreach (var field in (string[])["step_name", "operation", "ended_at", "duration_ms", "input", "output", "mapped_output", "error"])
        {
            Assert.Equal(JsonValueKind.Null, step.GetProperty(field).ValueKind);
        }
        var listed = list.GetProperty("executions").EnumerateArray().Single(e => e.GetProperty("run_id").GetString() == runId);
        Assert.All(ExecutionFields, field => Assert.True(listed.TryGetProperty(field, out _), $"listed execution lacks {field}"));
        Assert.False(listed.TryGetProperty("steps", out _));
    }
}
