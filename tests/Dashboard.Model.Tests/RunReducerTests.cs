using Dashboard.Model.Events;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;

namespace Dashboard.Model.Tests;

public sealed class RunReducerTests
{
    private readonly Events _e = new();

    private static RunState Run(params RunEvent[] events)
    {
        var state = new RunState("run-1");
        var result = RunReducer.ApplyBatch(state, events);
        Assert.True(result.Accepted, result.Rejection?.ToString());
        return state;
    }

    private static EventRejection Rejected(RunState state, RunEvent e)
    {
        var result = RunReducer.Apply(state, e);
        Assert.Equal(ReduceOutcome.Rejected, result.Outcome);
        return result.Rejection!;
    }

    [Fact]
    public void AStepsChanges_NameOnlyTheAttemptsABatchAddedOrChanged_AndTheOneThatStoppedBeingLatest()
    {
        var state = Run(_e.Started(), _e.StepStarted("poll", 1), _e.StepFailed("poll", 1, willRetry: true),
            _e.StepStarted("poll", 2), _e.StepFailed("poll", 2, willRetry: true), _e.StepStarted("other"));
        state.TrackChanges();

        Assert.True(RunReducer.ApplyBatch(state, [_e.StepStarted("poll", 3), _e.StepCompleted("poll", 3), _e.StepStarted("new")]).Accepted);
        var changes = state.TakeStepChanges().ToDictionary(c => c.Key.StepId);

        var poll = state.GetStep("poll")!;
        Assert.Equal([false, true, true], Enumerable.Range(0, 3).Select(i => changes["poll"].Rewrites(poll, i)));
        Assert.True(changes["new"].Rewrites(state.GetStep("new")!, 0));
        Assert.False(changes.ContainsKey("other"));

        // An attempt ended in place: that attempt only.
        Assert.True(RunReducer.ApplyBatch(state, [_e.StepCompleted("other")]).Accepted);
        var ended = Assert.Single(state.TakeStepChanges());
        Assert.True(ended.Rewrites(state.GetStep("other")!, 0));
        Assert.Empty(state.TakeStepChanges());
    }

    [Fact]
    public void EndedAttempts_LetGoOfTheirPayloads_ButNotWhatTheNextBatchIsCheckedOrCountedOn()
    {
        var state = Run(_e.Started(), _e.StepStarted("charge", 1, input: new { amount = 42 }),
            _e.StepFailed("charge", 1, willRetry: false) with { Error = new ErrorInfo { Code = "E502", Message = "boom", Stack = "at Charge()", Data = Events.Json(new { card = "visa" }) } },
            _e.StepStarted("poll", 1, input: new { order = 1 }), _e.StepFailed("poll", 1, willRetry: true),
            _e.StepStarted("fetch", 1, input: new { url = "u" }));
        state.TrackChanges();
        state.DropEndedPayloads();

        var failed = state.GetStep("charge")!.Latest;
        Assert.True(state.HeldWithoutPayloads(failed));
        Assert.Null(failed.InputContext);
        Assert.Equal(("E502", "boom", null), (failed.ErrorContext!.Code, failed.ErrorContext.Message, failed.ErrorContext.Stack));
        Assert.Null(failed.ErrorContext.Data);
        Assert.True(failed.InputSizeBytes > 0);
        // Still running (its output is yet to come, and its input is written with it), or failed with its retry on the
        // way (written again then, from memory).
        var running = state.GetStep("fetch")!.Latest;
        Assert.False(state.HeldWithoutPayloads(running));
        Assert.Equal("u", running.InputContext!.Value.GetProperty("url").GetString());
        Assert.Equal(1, state.GetStep("poll")!.Latest.InputContext!.Value.GetProperty("order").GetInt32());
        Assert.Empty(state.TakeStepChanges());

        // Run again after all: the attempt held without payloads is named to be written again (it stopped being the
        // latest), and is told apart so that its row is made from the stored one; the ended one is refused as before.
        Assert.True(RunReducer.ApplyBatch(state, [_e.StepStarted("charge", 2), _e.StepCompleted("fetch"), _e.StepStarted("poll", 2)]).Accepted);
        var changes = state.TakeStepChanges().ToDictionary(c => c.Key.StepId);
        var charge = state.GetStep("charge")!;
        Assert.True(changes["charge"].Rewrites(charge, 0));
        Assert.True(state.HeldWithoutPayloads(charge.Attempts[0]));
        Assert.False(state.HeldWithoutPayloads(charge.Attempts[1]));
        Assert.False(state.HeldWithoutPayloads(state.GetStep("poll")!.Attempts[0]));
        Assert.False(RunReducer.ApplyBatch(state, [_e.StepCompleted("charge", 1)]).Accepted);

        // Stored: the retried attempt, now an earlier one, lets go of its payloads too.
        state.DropEndedPayloads(changes.Keys.Select(id => new StepKey(id, null)));
        Assert.True(state.HeldWithoutPayloads(state.GetStep("poll")!.Attempts[0]));
    }

    [Fact]
    public void ThePayloadBytesHeld_FollowTheAttempts_ThroughEndsRejectedBatchesAndLettingGo()
    {
        // Counted the slow way: every payload of every attempt held, as its text.
        static long Walked(RunState state) => state.Steps.SelectMany(s => s.Attempts).Sum(a =>
            Raw(a.InputContext) + Raw(a.OutputContext) + Raw(a.MappedOutput) + 2L * (a.ErrorContext?.Stack?.Length ?? 0) + Raw(a.ErrorContext?.Data));
        static long Raw(System.Text.Json.JsonElement? value) => value is { } v ? System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(v).Length : 0;

        var state = Run(_e.Started(), _e.StepStarted("fetch", 1, input: new { text = new string('x', 10_000) }),
            _e.StepStarted("poll", 1, input: new { order = 1 }), _e.StepFailed("poll", 1, willRetry: true) with { Error = new ErrorInfo { Message = "m", Stack = new string('s', 3_000) } });
        Assert.True(state.HeldPayloadBytes > 16_000, $"{state.HeldPayloadBytes}");
        Assert.Equal(Walked(state), state.HeldPayloadBytes);

        Assert.True(RunReducer.ApplyBatch(state, [_e.StepCompleted("fetch", output: new { summary = new string('y', 5_000) }), _e.StepStarted("poll", 2, input: new { order = 2 })]).Accepted);
        var held = state.HeldPayloadBytes;
        Assert.True(held > 21_000, $"{held}");
        Assert.Equal(Walked(state), held);

        // Refused whole: what its first event held is given back with the rest of it.
        Assert.False(RunReducer.ApplyBatch(state, [_e.StepStarted("big", 1, input: new { text = new string('z', 50_000) }), _e.StepCompleted("fetch")]).Accepted);
        Assert.Equal(held, state.HeldPayloadBytes);

        // Stored: the ended attempts let go of theirs; the running one keeps its input.
        state.DropEndedPayloads();
        Assert.Equal(Walked(state), state.HeldPayloadBytes);
        Assert.InRange(state.HeldPayloadBytes, 1, 100);

        // A viewer's compact state keeps no payloads.
        var compact = RunState.FromSnapshot(state.Record!, state.Steps.SelectMany(s => s.Attempts).ToList(), state.Offset, compact: true);
        Assert.Equal(0, compact.HeldPayloadBytes);
    }

    [Fact]
    public void RunStarted_SetsEveryRecordField()
    {
        var started = _e.Started() with
        {
            WorkflowName = "Invoice approval", EventName = "invoice.created", RunnableId = "flow-9", RunnableKind = "flow",
            ExperimentId = "exp-1", ExperimentCandidateId = "cand-2", TelemetrySpanId = "span-3", AccountId = "acct-4",
            UserId = "user-5", ParentRunId = "run-0", StepCount = 3, Input = Events.Json(new { invoice = 42 }),
            Metadata = Events.Json(new { region = "eu" }), ColumnConfig = Events.Json(new[] { new { column = "total" } }),
        };
        var record = Run(started).Record!;

        Assert.Equal(RunStatus.Running, record.Status);
        Assert.Equal("wf-invoice", record.WorkflowId);
        Assert.Equal("Invoice approval", record.WorkflowName);
        Assert.Equal("api", record.TriggerType);
        Assert.Equal("invoice.created", record.EventName);
        Assert.Equal("flow-9", record.RunnableId);
        Assert.Equal("flow", record.RunnableKind);
        Assert.Equal("exp-1", record.ExperimentId);
        Assert.Equal("cand-2", record.ExperimentCandidateId);
        Assert.Equal("span-3", record.TelemetrySpanId);
        Assert.Equal("acct-4", record.AccountId);
        Assert.Equal("user-5", record.UserId);
        Assert.Equal("run-0", record.ParentRunId);
        Assert.Equal(3, record.StepCount);
        Assert.Equal(started.Timestamp, record.CreatedAt);
        Assert.Equal(started.Timestamp, record.StartedAt);
        Assert.Equal(42, record.Input!.Value.GetProperty("invoice").GetInt32());
        Assert.Equal("eu", record.Metadata!.Value.GetProperty("region").GetString());
        Assert.Equal(1, record.ColumnConfig!.Value.GetArrayLength());
        Assert.Null(record.CompletedAt);
        Assert.Null(record.DurationMs);
    }

    [Fact]
    public void HappyPath_CompletesRunWithDurationsTotalsAndResult()
    {
        var state = Run(
            _e.Started(),
            _e.StepStarted("fetch", input: new { url = "https://example.test" }),
            _e.StepCompleted("fetch", output: new { status = 200 }),
            _e.StepStarted("summarize"),
            _e.StepCompleted("summarize", model: "gpt-4o", tokens: Events.Tokens(1000, 200, cached: 400), cost: 0.0125m),
            _e.Completed(new { summary = "ok" }));

        var record = state.Record!;
        Assert.Equal(RunStatus.Completed, record.Status);
        Assert.Equal(5000, record.DurationMs);
        Assert.Equal(record.CompletedAt, _e.Now);
        Assert.Null(record.FailedAt);
        Assert.Equal("ok", record.Result!.Value.GetProperty("summary").GetString());
        Assert.Equal(2, record.StepCount);
        Assert.Equal(1000, record.PromptTokens);
        Assert.Equal(400, record.CachedTokens);
        Assert.Equal(200, record.CompletionTokens);
        Assert.Equal(1200, record.TotalTokens);
        Assert.Equal(0.0125m, record.CostUsd);
        Assert.Equal(6, record.EventCount);

        var fetch = state.GetStep("fetch")!.Latest;
        Assert.Equal(StepStatus.Completed, fetch.Status);
        Assert.Equal(1000, fetch.DurationMs);
        Assert.Equal(200, fetch.OutputContext!.Value.GetProperty("status").GetInt32());
        Assert.Equal("{\"url\":\"https://example.test\"}".Length, fetch.InputSizeBytes);
        Assert.False(fetch.Truncated);
    }

    [Fact]
    public void Retries_KeepEveryAttemptAndTraceShowsLatest()
    {
        var state = Run(
            _e.Started(),
            _e.StepStarted("charge", attempt: 1),
            _e.StepFailed("charge", attempt: 1, message: "card declined", willRetry: true, cost: 0.01m),
            _e.StepStarted("charge", attempt: 2),
            _e.StepFailed("charge", attempt: 2, message: "gateway 502", willRetry: true, cost: 0.01m),
            _e.StepStarted("charge", attempt: 3),
            _e.StepCompleted("charge", attempt: 3, cost: 0.01m));

        var history = state.GetStep("charge")!;
        Assert.Equal([1, 2, 3], history.Attempts.Select(a => a.Attempt));
        Assert.Equal([StepStatus.Failed, StepStatus.Failed, StepStatus.Completed], history.Attempts.Select(a => a.Status));
        Assert.Equal("card declined", history.Attempts[0].ErrorContext!.Message);
        Assert.True(history.Attempts[0].WillRetry);

        var trace = state.ToTrace();
        var entry = Assert.Single(trace.Steps);
        Assert.Equal(3, entry.Attempt);
        Assert.Equal(3, entry.AttemptCount);
        Assert.Equal(0.03m, state.Record!.CostUsd);
        Assert.Null(state.Record.FailedStepId);
    }

    [Fact]
    public void StepEnd_WithoutAttempt_EndsTheRunningLatestAttempt()
    {
        var state = Run(_e.Started(), _e.StepStarted("a", attempt: 1), _e.StepFailed("a", willRetry: true), _e.StepStarted("a", attempt: 2), _e.StepCompleted("a"));
        Assert.Equal(StepStatus.Completed, state.GetStep("a")!.Attempts[1].Status);
    }

    [Fact]
    public void Loops_EachIterationIsItsOwnEntryWithItsOwnAttempts()
    {
        var state = Run(
            _e.Started(),
            _e.StepStarted("enrich", loopIndex: 0),
            _e.StepCompleted("enrich", loopIndex: 0),
            _e.StepStarted("enrich", loopIndex: 1, attempt: 1),
            _e.StepFailed("enrich", loopIndex: 1, attempt: 1, willRetry: true),
            _e.StepStarted("enrich", loopIndex: 1, attempt: 2),
            _e.StepCompleted("enrich", loopIndex: 1, attempt: 2),
            _e.StepStarted("enrich", loopIndex: 2),
            _e.StepCompleted("enrich", loopIndex: 2));

        var trace = state.ToTrace();
        Assert.Equal([0, 1, 2], trace.Steps.Select(s => s.LoopIndex!.Value));
        Assert.Equal([1, 2, 1], trace.Steps.Select(s => s.Attempt));
        Assert.Equal([0, 1, 2], state.Iterations("enrich").Select(i => i.Key.LoopIndex!.Value));
        Assert.Equal(2, state.ToStepAttempts("enrich", 1)!.Attempts.Count);
        Assert.Null(state.ToStepAttempts("enrich", null));
        // Three iterations of one step are one step of the flow.
        Assert.Equal(1, state.Record!.StepCount);
    }

    [Fact]
    public void Trace_KeepsTheOrderStepsFirstStarted()
    {
        var state = Run(
            _e.Started(), _e.StepStarted("b"), _e.StepStarted("a"), _e.StepCompleted("a"), _e.StepCompleted("b"),
            _e.StepStarted("c"), _e.StepFailed("c", willRetry: true), _e.StepStarted("c", attempt: 2), _e.StepCompleted("c"));
        Assert.Equal(["b", "a", "c"], state.ToTrace().Steps.Select(s => s.StepId));
    }

    [Fact]
    public void Skip_OfUnstartedStep_AddsSkippedEntry_AndOfRunningStepEndsIt()
    {
        var state = Run(_e.Started(), _e.StepSkipped("notify", reason: "no email"), _e.StepStarted("wait"), _e.StepSkipped("wait"));
        var notify = state.GetStep("notify")!.Latest;
        Assert.Equal(StepStatus.Skipped, notify.Status);
        Assert.Equal("no email", notify.SkipReason);
        Assert.Null(notify.StartedAt);
        Assert.Equal(StepStatus.Skipped, state.GetStep("wait")!.Latest.Status);
        Assert.Equal(1000, state.GetStep("wait")!.Latest.DurationMs);
    }

    [Fact]
    public void Skip_OfEndedStep_IsRejected()
    {
        var state = Run(_e.Started(), _e.StepStarted("a"), _e.StepCompleted("a"));
        Assert.Equal("stepId", Rejected(state, _e.StepSkipped("a")).Field);
    }

    [Fact]
    public void WaitingAndResume_ChangeStatusAndBlockStepsWhileWaiting()
    {
        var state = Run(_e.Started(), _e.StepStarted("approve"), _e.Waiting("approve"));
        Assert.Equal(RunStatus.Waiting, state.Record!.Status);
        Assert.Equal("approval", state.Record.WaitingReason);
        Assert.Equal("approve", state.Record.WaitingStepId);
        Assert.NotNull(state.Record.WaitingSince);

        Assert.Contains("run_resumed", Rejected(state, _e.StepStarted("other")).Message);
        Assert.Equal("type", Rejected(state, _e.Waiting()).Field);

        Assert.Equal(ReduceOutcome.Applied, RunReducer.Apply(state, _e.Resumed()).Outcome);
        Assert.Equal(RunStatus.Running, state.Record.Status);
        Assert.Null(state.Record.WaitingReason);
        Assert.Null(state.Record.WaitingSince);
        Assert.Equal("type", Rejected(state, _e.Resumed()).Field);
    }

    [Fact]
    public void Failed_SetsFailedAtErrorAndFailingStep()
    {
        var state = Run(
            _e.Started(), _e.StepStarted("parse"), _e.StepFailed("parse", message: "bad pdf", willRetry: false), _e.Failed("parse failed"));
        var record = state.Record!;
        Assert.Equal(RunStatus.Failed, record.Status);
        Assert.Equal(record.CompletedAt, record.FailedAt);
        Assert.Equal("parse failed", record.Error!.Message);
        Assert.Equal("parse", record.FailedStepId);
    }

    [Fact]
    public void Failed_FailingStepInsideALoopKeepsItsIteration()
    {
        var state = Run(_e.Started(), _e.StepStarted("item", loopIndex: 4), _e.StepFailed("item", loopIndex: 4), _e.Failed());
        Assert.Equal(("item", 4), (state.Record!.FailedStepId, state.Record.FailedStepLoopIndex));
    }

    [Fact]
    public void Cancelled_InterruptsRunningStepsAndKeepsReason()
    {
        var state = Run(_e.Started(), _e.StepStarted("long"), _e.Cancelled("operator stopped it"));
        Assert.Equal(RunStatus.Cancelled, state.Record!.Status);
        Assert.Equal("operator stopped it", state.Record.CancelReason);
        Assert.Null(state.Record.FailedAt);
        var step = state.GetStep("long")!.Latest;
        Assert.Equal(StepStatus.Failed, step.Status);
        Assert.Equal("INTERRUPTED", step.ErrorContext!.Code);
        Assert.NotNull(step.CompletedAt);
    }

    [Fact]
    public void TimedOut_GetsTimeoutStatusAndADefaultError()
    {
        var state = Run(_e.Started(), _e.Waiting(), _e.TimedOut());
        Assert.Equal(RunStatus.Timeout, state.Record!.Status);
        Assert.Equal("TIMEOUT", state.Record.Error!.Code);
        Assert.NotNull(state.Record.CompletedAt);
        Assert.Null(state.Record.WaitingReason);
    }

    [Theory]
    [InlineData(RunEventTypes.RunCompleted)]
    [InlineData(RunEventTypes.RunFailed)]
    [InlineData(RunEventTypes.RunCancelled)]
    [InlineData(RunEventTypes.RunTimedOut)]
    public void AfterTerminal_NothingMayFollow(string terminalType)
    {
        RunEvent terminal = terminalType switch
        {
            RunEventTypes.RunCompleted => _e.Completed(),
            RunEventTypes.RunFailed => _e.Failed(),
            RunEventTypes.RunCancelled => _e.Cancelled(),
            _ => _e.TimedOut(),
        };
        var state = Run(_e.Started(), terminal);
        Assert.True(state.Record!.Status.IsTerminal());
        foreach (var next in new RunEvent[] { _e.StepStarted("x"), _e.Log(), _e.Completed(), _e.Waiting() })
        {
            Assert.Contains("already ended", Rejected(state, next).Message);
        }
    }

    [Fact]
    public void FirstEvent_MustBeRunStarted()
    {
        var rejection = Rejected(new RunState("r"), _e.StepStarted("a"));
        Assert.Equal("type", rejection.Field);
        Assert.Contains("run_started", rejection.Message);
    }

    [Fact]
    public void RunStarted_Twice_IsRejected() =>
        Assert.Contains("already started", Rejected(Run(_e.Started()), _e.Started()).Message);

    [Fact]
    public void RunStarted_WithoutWorkflowId_NamesTheField() =>
        Assert.Equal("workflowId", Rejected(new RunState("r"), _e.Started() with { WorkflowId = null }).Field);

    [Fact]
    public void RunStarted_AsItsOwnParent_IsRejected() =>
        Assert.Equal("parentRunId", Rejected(new RunState("run-1"), _e.Started(parentRunId: "run-1")).Field);

    [Fact]
    public void RunStarted_MetadataMustBeObject_ColumnConfigAnArray()
    {
        Assert.Equal("metadata", Rejected(new RunState("r"), _e.Started() with { Metadata = Events.Json(new[] { 1 }) }).Field);
        Assert.Equal("columnConfig", Rejected(new RunState("r"), _e.Started() with { ColumnConfig = Events.Json(new { a = 1 }) }).Field);
    }

    [Fact]
    public void MissingTimestamp_IsRejected() =>
        Assert.Equal("timestamp", Rejected(new RunState("r"), _e.Started() with { Timestamp = null }).Field);

    [Theory]
    [InlineData("")]
    [InlineData("with\nnewline")]
    [InlineData("bell\u0007")]
    public void BadStepIds_AreRejected(string stepId) =>
        Assert.Equal("stepId", Rejected(Run(_e.Started()), _e.StepStarted(stepId)).Field);

    [Fact]
    public void StepId_Of257Characters_IsRejected_And256Accepted()
    {
        var state = Run(_e.Started());
        Assert.Equal("stepId", Rejected(state, _e.StepStarted(new string('s', 257))).Field);
        Assert.Equal(ReduceOutcome.Applied, RunReducer.Apply(state, _e.StepStarted(new string('s', 256))).Outcome);
    }

    [Theory]
    [InlineData("multi\nline")]
    [InlineData("bell\u0007")]
    [InlineData(null)]   // 257 characters
    public void ModelNames_OfControlCharactersOrOver256Characters_AreRejected_AndStepAndRunUntouched(string? model)
    {
        var state = Run(_e.Started(), _e.StepStarted("llm"));
        var rejected = Rejected(state, _e.StepCompleted("llm", model: model ?? new string('m', 257)));
        Assert.Equal("modelUsed", rejected.Field);
        Assert.Equal(StepStatus.Running, state.Steps.Single().Latest!.Status);
        Assert.Equal(ReduceOutcome.Applied, RunReducer.Apply(state, _e.StepFailed("llm", willRetry: true, model: new string('m', 256))).Outcome);
        Assert.Equal(new string('m', 256), state.Steps.Single().Latest!.ModelUsed);
    }

    [Fact]
    public void StepEnd_BeforeStart_IsRejected()
    {
        var state = Run(_e.Started());
        Assert.Contains("has not started", Rejected(state, _e.StepCompleted("ghost")).Message);
        Assert.Equal("stepId", Rejected(state, _e.StepFailed("ghost")).Field);
    }

    [Fact]
    public void StepEnd_OfUnknownOrEndedAttempt_IsRejected()
    {
        var state = Run(_e.Started(), _e.StepStarted("a"), _e.StepCompleted("a"));
        Assert.Contains("was not started", Rejected(state, _e.StepCompleted("a", attempt: 2)).Message);
        Assert.Contains("already ended", Rejected(state, _e.StepCompleted("a", attempt: 1)).Message);
        Assert.Contains("already ended", Rejected(state, _e.StepFailed("a")).Message);
    }

    [Fact]
    public void Attempts_MustRise_AndNotOverlap()
    {
        var state = Run(_e.Started(), _e.StepStarted("a", attempt: 2));
        Assert.Contains("still running", Rejected(state, _e.StepStarted("a", attempt: 3)).Message);
        RunReducer.Apply(state, _e.StepFailed("a", willRetry: true));
        Assert.Contains("must rise", Rejected(state, _e.StepStarted("a", attempt: 2)).Message);
        Assert.Contains("must rise", Rejected(state, _e.StepStarted("a", attempt: 1)).Message);
        Assert.Equal("attempt", Rejected(state, _e.StepStarted("b", attempt: 0)).Field);
    }

    [Fact]
    public void StepEnd_EarlierThanItsStart_IsRejected()
    {
        var state = Run(_e.Started(), _e.StepStarted("a"));
        var early = _e.StepCompleted("a") with { Timestamp = _e.Now.AddMinutes(-5) };
        Assert.Equal("timestamp", Rejected(state, early).Field);
    }

    [Fact]
    public void RunEnd_EarlierThanItsStart_IsRejected()
    {
        var state = Run(_e.Started());
        Assert.Equal("timestamp", Rejected(state, _e.Completed() with { Timestamp = _e.Now.AddDays(-1) }).Field);
    }

    [Fact]
    public void NegativeNumbers_AreRejectedWithTheirField()
    {
        var state = Run(_e.Started(), _e.StepStarted("a"));
        Assert.Equal("tokens.prompt", Rejected(state, _e.StepCompleted("a", tokens: Events.Tokens(-1, 0))).Field);
        Assert.Equal("tokens.completion", Rejected(state, _e.StepCompleted("a", tokens: Events.Tokens(1, -5))).Field);
        Assert.Equal("costUsd", Rejected(state, _e.StepCompleted("a", cost: -0.01m)).Field);
        Assert.Equal("durationMs", Rejected(state, _e.StepCompleted("a", durationMs: -1)).Field);
        Assert.Equal("loopIndex", Rejected(state, _e.StepStarted("b", loopIndex: -1)).Field);
    }

    [Fact]
    public void Tokens_CachedAboveOrTotalInconsistent_AreRejected_MissingTotalIsFilled()
    {
        var state = Run(_e.Started(), _e.StepStarted("a"));
        Assert.Equal("tokens.cached", Rejected(state, _e.StepCompleted("a", tokens: Events.Tokens(10, 5, cached: 11))).Field);
        Assert.Equal("tokens.total", Rejected(state, _e.StepCompleted("a", tokens: Events.Tokens(10, 5) with { Total = 16 })).Field);
        RunReducer.Apply(state, _e.StepCompleted("a", tokens: Events.Tokens(10, 5)));
        Assert.Equal(15, state.GetStep("a")!.Latest.Tokens!.Total);
    }

    [Fact]
    public void StepFailed_WithoutError_IsRejected()
    {
        var state = Run(_e.Started(), _e.StepStarted("a"));
        Assert.Equal("error", Rejected(state, _e.StepFailed("a") with { Error = null }).Field);
        Assert.Equal("error.message", Rejected(state, _e.StepFailed("a") with { Error = new ErrorInfo() }).Field);
    }

    [Fact]
    public void RunFailed_WithoutError_IsRejected() =>
        Assert.Equal("error", Rejected(Run(_e.Started()), _e.Failed() with { Error = null }).Field);

    [Fact]
    public void Log_NeedsKnownLevelAndMessage_AndChangesNoStatus()
    {
        var state = Run(_e.Started(), _e.Log("warn", "slow upstream"));
        Assert.Equal(1, state.LogCount);
        Assert.Equal(RunStatus.Running, state.Record!.Status);
        Assert.Equal("level", Rejected(state, _e.Log("loud")).Field);
        Assert.Equal("message", Rejected(state, _e.Log() with { Message = null }).Field);
    }

    [Fact]
    public void RejectedBatch_LeavesStateExactlyAsItWas()
    {
        var state = Run(_e.Started(), _e.StepStarted("a"));
        var before = (state.Record, state.StepOrder.Count, state.GetStep("a"), state.Offset);

        var batch = RunReducer.ApplyBatch(state,
        [
            _e.StepCompleted("a", cost: 1m) with { EventId = "e-1", Offset = "0000_0009" },
            _e.StepStarted("b"),
            _e.StepStarted("c", loopIndex: 0),
            _e.StepCompleted("nope"),
        ]);

        Assert.False(batch.Accepted);
        Assert.Equal(3, batch.Rejection!.Index);
        Assert.Equal("stepId", batch.Rejection.Field);
        Assert.Same(before.Record, state.Record);
        Assert.Equal(before.Count, state.StepOrder.Count);
        Assert.Same(before.Item3, state.GetStep("a"));
        Assert.Null(state.GetStep("b"));
        Assert.Equal(before.Offset, state.Offset);
        Assert.False(state.HasSeenEventId("e-1"));
        Assert.Equal(ReduceOutcome.Applied, RunReducer.Apply(state, _e.StepCompleted("a")).Outcome);
    }

    [Fact]
    public void AttemptAndEventIdCounts_FollowTheSteps_ThroughRetriesLoopsAndARejectedBatch()
    {
        // Kept as the histories change rather than counted (the runs service sizes its cached states by them at every batch).
        var state = Run(_e.Started() with { EventId = "s" }, _e.StepStarted("a"), _e.StepFailed("a", willRetry: true), _e.StepStarted("a", 2));
        Assert.True(RunReducer.ApplyBatch(state,
            [_e.StepCompleted("a", 2) with { EventId = "e-1" }, _e.StepStarted("item", loopIndex: 0), _e.StepStarted("item", loopIndex: 1)]).Accepted);
        Assert.Equal((4, 2), (state.AttemptCount, state.EventIdCount));

        var rejected = RunReducer.ApplyBatch(state,
            [_e.StepStarted("b") with { EventId = "e-2" }, _e.StepFailed("item", loopIndex: 0, willRetry: true), _e.StepStarted("item", 2, loopIndex: 0), _e.StepCompleted("nope")]);
        Assert.False(rejected.Accepted);

        Assert.Equal((4, 2), (state.AttemptCount, state.EventIdCount));
        Assert.Equal(state.Steps.Sum(s => s.Attempts.Count), state.AttemptCount);
        state.DropEndedPayloads();
        Assert.Equal(4, state.AttemptCount);
    }

    [Fact]
    public void EventIds_AreToldApartExactly_AmongManyAndByCaseOrOneCharacter()
    {
        // The state keeps a hash of each id, not the string: ids that differ anywhere must stay apart.
        var state = Run(_e.Started());
        var ids = Enumerable.Range(0, 20_000).Select(i => $"evt-{i:x}").Concat(["a", "A", "a ", "é", "e\u0301"]).ToList();
        var batch = RunReducer.ApplyBatch(state, [.. ids.Select(id => _e.Log() with { EventId = id })]);
        Assert.True(batch.Accepted, batch.Rejection?.Message);
        Assert.Equal(ids.Count, state.EventIdCount);

        var resend = RunReducer.ApplyBatch(state, [_e.Log() with { EventId = "evt-4e1f" }, _e.Log() with { EventId = "evt-4e1F" }, _e.Log() with { EventId = "A" }]);
        Assert.Equal([ReduceOutcome.Duplicate, ReduceOutcome.Applied, ReduceOutcome.Duplicate], resend.Outcomes);
    }

    [Fact]
    public void ResentEvents_ByEventIdOrOffset_AreDuplicates()
    {
        var state = new RunState("run-1");
        var started = _e.Started() with { EventId = "e1", Offset = "0001" };
        var step = _e.StepStarted("a") with { EventId = "e2", Offset = "0002" };
        Assert.True(RunReducer.ApplyBatch(state, [started, step]).Accepted);

        var resend = RunReducer.ApplyBatch(state, [started with { Offset = null }, step with { Offset = null }, _e.StepCompleted("a") with { EventId = "e3" }]);
        Assert.True(resend.Accepted);
        Assert.Equal([ReduceOutcome.Duplicate, ReduceOutcome.Duplicate, ReduceOutcome.Applied], resend.Outcomes);
        Assert.Equal(1, resend.AppliedCount);

        // A live view that receives an event it already has (by offset) drops it.
        Assert.Equal(ReduceOutcome.Duplicate, RunReducer.Apply(state, _e.Log() with { Offset = "0002" }).Outcome);
        Assert.Equal("0002", state.Offset);
        Assert.Equal(3, state.Record!.EventCount);
    }

    [Fact]
    public void Truncation_IsReportedWithOriginalSizes()
    {
        var state = Run(
            _e.Started(),
            _e.StepStarted("big", input: "first 10 b") with { Truncated = new Dictionary<string, long> { ["input"] = 5_000_000 } },
            _e.StepCompleted("big", output: "cut") with { Truncated = new Dictionary<string, long> { ["output"] = 3_000_000 } });
        var step = state.GetStep("big")!.Latest;
        Assert.True(step.Truncated);
        Assert.Equal(5_000_000, step.InputSizeBytes);
        Assert.Equal(3_000_000, step.OutputSizeBytes);
        Assert.Equal(new Dictionary<string, long> { ["input"] = 5_000_000, ["output"] = 3_000_000 }, step.TruncatedFields);
    }

    [Fact]
    public void StepCount_AnnouncedWins_ElseDistinctSteps_ALoopBeingOneStep()
    {
        Assert.Equal(7, Run(_e.Started(stepCount: 7), _e.StepStarted("a")).Record!.StepCount);
        Assert.Equal(2, Run(_e.Started(), _e.StepStarted("a"), _e.StepSkipped("b")).Record!.StepCount);
        Assert.Equal(2, Run(_e.Started(), _e.StepStarted("item", loopIndex: 0), _e.StepStarted("item", loopIndex: 1), _e.StepStarted("b")).Record!.StepCount);
    }

    [Fact]
    public void ABatch_LeavesTheSameRecordAsItsEventsAppliedOneByOne()
    {
        // The record's counters are brought up to date once per batch: they must come out as one event at a time makes them,
        // the last event time included when the events' own times go back and forth.
        var early = _e.Log() with { Timestamp = _e.Now.AddSeconds(-30) };
        RunEvent[] events =
        [
            _e.Started(), _e.StepStarted("a"), _e.StepCompleted("a", tokens: Events.Tokens(10, 5), cost: 0.5m), _e.StepStarted("item", loopIndex: 0),
            early, _e.StepFailed("item", loopIndex: 0, willRetry: true), _e.StepStarted("item", attempt: 2, loopIndex: 0), _e.StepSkipped("b"),
            _e.Log(), _e.StepCompleted("item", loopIndex: 0, output: new { ok = true }),
        ];
        var batched = new RunState("run-1");
        Assert.True(RunReducer.ApplyBatch(batched, events).Accepted);
        var single = new RunState("run-1");
        foreach (var e in events)
        {
            Assert.Equal(ReduceOutcome.Applied, RunReducer.Apply(single, e).Outcome);
        }

        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(single.Record, Dashboard.Model.Json.ModelJson.Options),
            System.Text.Json.JsonSerializer.Serialize(batched.Record, Dashboard.Model.Json.ModelJson.Options));
        Assert.Equal(10, batched.Record!.EventCount);
        Assert.Equal(3, batched.Record.StepCount);
        Assert.Equal(_e.Now, batched.Record.LastEventAt);
    }

    [Fact]
    public void ABatchRejectedAfterASecondBatch_LeavesTheFirstBatchesCounters()
    {
        var state = Run(_e.Started(), _e.StepStarted("a"), _e.StepCompleted("a"));
        var before = System.Text.Json.JsonSerializer.Serialize(state.Record, Dashboard.Model.Json.ModelJson.Options);

        Assert.False(RunReducer.ApplyBatch(state, [_e.StepStarted("b"), _e.Log(), _e.StepCompleted("nope")]).Accepted);

        Assert.Equal(before, System.Text.Json.JsonSerializer.Serialize(state.Record, Dashboard.Model.Json.ModelJson.Options));
        Assert.Equal(3, state.Record!.EventCount);
        Assert.True(RunReducer.ApplyBatch(state, [_e.StepStarted("b")]).Accepted);
        Assert.Equal(4, state.Record!.EventCount);
        Assert.Equal(2, state.Record.StepCount);
    }

    [Fact]
    public void StepCount_OfARejectedBatch_LeavesNoTrace()
    {
        var state = Run(_e.Started(), _e.StepStarted("a"));

        var result = RunReducer.ApplyBatch(state, [_e.StepStarted("new-step"), _e.StepStarted("a", attempt: 1)]);

        Assert.False(result.Accepted);
        Assert.Equal(1, state.Record!.StepCount);
        Assert.Equal(1, state.DistinctStepCount);
    }

    [Fact]
    public void NullEvent_IsRejectedNotThrown() =>
        Assert.Equal(ReduceOutcome.Rejected, RunReducer.Apply(new RunState("r"), null).Outcome);

    [Fact]
    public void TenThousandSteps_WithRetries_ApplyInOrder()
    {
        var events = new List<RunEvent> { _e.Started() };
        for (var i = 0; i < 10_000; i++)
        {
            var id = $"step-{i}";
            events.Add(_e.StepStarted(id));
            if (i % 10 == 0)
            {
                events.Add(_e.StepFailed(id, willRetry: true));
                events.Add(_e.StepStarted(id, attempt: 2));
            }
            events.Add(_e.StepCompleted(id, cost: 0.000001m));
        }
        events.Add(_e.Completed());
        var state = Run([.. events]);
        Assert.Equal(10_000, state.ToTrace().Steps.Count);
        Assert.Equal(0.01m, state.Record!.CostUsd);
    }
}
