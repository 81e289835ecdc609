using System.Text.Json;
using Dashboard.Model.Events;
using Dashboard.Model.Runs;

namespace Dashboard.Model.Tests;

/// <summary>Terse event builders: each call is one second after the previous, so sequences read like a run.</summary>
internal sealed class Events
{
    private DateTimeOffset _clock = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    public DateTimeOffset Now => _clock;

    private DateTimeOffset Tick(int seconds = 1) => _clock = _clock.AddSeconds(seconds);

    public RunStarted Started(string workflowId = "wf-invoice", int? stepCount = null, string? parentRunId = null) =>
        new() { Timestamp = Tick(0), WorkflowId = workflowId, TriggerType = "api", StepCount = stepCount, ParentRunId = parentRunId };

    public StepStarted StepStarted(string stepId, int? attempt = null, int? loopIndex = null, object? input = null) =>
        new() { Timestamp = Tick(), StepId = stepId, Attempt = attempt, LoopIndex = loopIndex, Input = Json(input) };

    public StepCompleted StepCompleted(string stepId, int? attempt = null, int? loopIndex = null, object? output = null,
        string? model = null, TokenBreakdown? tokens = null, decimal? cost = null, long? durationMs = null) =>
        new()
        {
            Timestamp = Tick(), StepId = stepId, Attempt = attempt, LoopIndex = loopIndex, Output = Json(output),
            ModelUsed = model, Tokens = tokens, CostUsd = cost, DurationMs = durationMs,
        };

    public StepFailed StepFailed(string stepId, int? attempt = null, int? loopIndex = null, string message = "boom",
        bool? willRetry = null, decimal? cost = null, TokenBreakdown? tokens = null, string? model = null) =>
        new()
        {
            Timestamp = Tick(), StepId = stepId, Attempt = attempt, LoopIndex = loopIndex,
            Error = new ErrorInfo { Code = "E_STEP", Message = message }, WillRetry = willRetry, CostUsd = cost, Tokens = tokens, ModelUsed = model,
        };

    public StepSkipped StepSkipped(string stepId, int? loopIndex = null, string? reason = "condition false") =>
        new() { Timestamp = Tick(), StepId = stepId, LoopIndex = loopIndex, Reason = reason };

    public RunWaiting Waiting(string? stepId = null) => new() { Timestamp = Tick(), Reason = "approval", StepId = stepId };

    public RunResumed Resumed() => new() { Timestamp = Tick() };

    public RunCompleted Completed(object? result = null) => new() { Timestamp = Tick(), Result = Json(result) };

    public RunFailed Failed(string message = "run failed") => new() { Timestamp = Tick(), Error = new ErrorInfo { Message = message } };

    public RunCancelled Cancelled(string? reason = "user") => new() { Timestamp = Tick(), Reason = reason };

    public RunTimedOut TimedOut() => new() { Timestamp = Tick() };

    public LogEvent Log(string level = "info", string message = "hello") => new() { Timestamp = Tick(), Level = level, Message = message };

    public static JsonElement? Json(object? value) => value is null ? null : JsonSerializer.SerializeToElement(value);

    public static TokenBreakdown Tokens(long prompt, long completion, long cached = 0) =>
        new() { Prompt = prompt, Completion = completion, Cached = cached };
}
