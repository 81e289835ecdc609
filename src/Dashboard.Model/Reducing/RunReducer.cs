using System.Runtime.InteropServices;
using System.Text.Json;
using Dashboard.Model.Events;
using Dashboard.Model.Runs;

namespace Dashboard.Model.Reducing;

/// <summary>
/// The one reducer: applies run events, in order, to a <see cref="RunState"/>. The service keeps its projections
/// with it and the dashboard applies live events with it, so both always agree. It never throws on bad input:
/// a rule broken is a <see cref="ReduceOutcome.Rejected"/> result naming the field, and the state is untouched.
/// </summary>
public static class RunReducer
{
    /// <summary>Applies a batch whole or not at all.</summary>
    public static BatchResult ApplyBatch(RunState state, IReadOnlyList<RunEvent> events)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(events);
        var outcomes = new ReduceOutcome[events.Count];
        state.BeginBatch();
        try
        {
            for (var i = 0; i < events.Count; i++)
            {
                var result = Apply(state, events[i], i);
                if (result.Outcome == ReduceOutcome.Rejected)
                {
                    state.RollbackBatch();
                    return new BatchResult(false, [], result.Rejection);
                }
                outcomes[i] = result.Outcome;
            }
        }
        catch
        {
            // Not expected (bad input is a rejection), but a state left inside a batch would never count its events again.
            state.RollbackBatch();
            throw;
        }
        state.CommitBatch();
        return new BatchResult(true, outcomes, null);
    }

    /// <summary>Applies one event. <paramref name="index"/> is its place in the batch, for the rejection message.</summary>
    public static ReduceResult Apply(RunState state, RunEvent? e, int index = 0)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (e is null)
        {
            return Reject(index, null, "event", "must be an object");
        }
        if (e.Timestamp is null)
        {
            return Reject(index, e.Type, "timestamp", "is required (RFC 3339 with an offset)");
        }
        if (EventRules.CheckId(e.EventId, required: false) is { } idProblem)
        {
            return Reject(index, e.Type, "eventId", idProblem);
        }
        if (IsDuplicate(state, e))
        {
            return ReduceResult.Duplicate;
        }
        if (state.Record is null && e is not RunStarted)
        {
            return Reject(index, e.Type, "type", $"the first event of a run must be run_started, got {e.Type}");
        }
        if (state.Record is { } current && current.Status.IsTerminal())
        {
            return Reject(index, e.Type, "type", $"the run already ended ({current.Status.ToWire()}); nothing may follow");
        }

        var result = e switch
        {
            RunStarted started => ApplyRunStarted(state, started, index),
            StepStarted started => ApplyStepStarted(state, started, index),
            StepEndEvent ended => ApplyStepEnd(state, ended, index),
            StepSkipped skipped => ApplyStepSkipped(state, skipped, index),
            RunWaiting waiting => ApplyRunWaiting(state, waiting, index),
            RunResumed resumed => ApplyRunResumed(state, resumed, index),
            TerminalRunEvent terminal => ApplyTerminal(state, terminal, index),
            LogEvent log => ApplyLog(state, log, index),
            _ => Reject(index, e.Type, "type", $"unknown event type {e.Type}"),
        };
        if (result.Outcome == ReduceOutcome.Applied)
        {
            Stamp(state, e);
        }
        return result;
    }

    private static bool IsDuplicate(RunState state, RunEvent e)
    {
        if (!EventOffset.IsNew(e.Offset, state.Offset))
        {
            return true;
        }
        return e.EventId is not null && state.HasSeenEventId(e.EventId);
    }

    private static void Stamp(RunState state, RunEvent e)
    {
        if (e.EventId is not null)
        {
            state.RememberEventId(e.EventId);
        }
        if (e.Offset is not null)
        {
            state.SetOffset(e.Offset);
        }
        state.Stamp(e.Timestamp!.Value);
    }

    private static ReduceResult ApplyRunStarted(RunState state, RunStarted e, int index)
    {
        if (state.Record is not null)
        {
            return Reject(index, e.Type, "type", "the run has already started");
        }
        foreach (var (field, value, required) in new[]
        {
            ("workflowId", e.WorkflowId, true), ("parentRunId", e.ParentRunId, false), ("parentStepId", e.ParentStepId, false), ("rerunOf", e.RerunOf, false), ("requestId", e.RequestId, false), ("runnableId", e.RunnableId, false),
            ("experimentId", e.ExperimentId, false), ("experimentCandidateId", e.ExperimentCandidateId, false),
            ("telemetrySpanId", e.TelemetrySpanId, false), ("accountId", e.AccountId, false), ("userId", e.UserId, false),
        })
        {
            if (EventRules.CheckId(value, required) is { } problem)
            {
                return Reject(index, e.Type, field, problem);
            }
        }
        if (e.ParentRunId == state.RunId)
        {
            return Reject(index, e.Type, "parentRunId", "a run cannot be its own parent");
        }
        if (e.RerunOf == state.RunId)
        {
            return Reject(index, e.Type, "rerunOf", "a run cannot rerun itself");
        }
        if (e.ParentStepId is not null && e.ParentRunId is null)
        {
            return Reject(index, e.Type, "parentStepId", "names a step of the parent run: give parentRunId too");
        }
        if (e.StepCount is < 0)
        {
            return Reject(index, e.Type, "stepCount", "must not be negative");
        }
        if (EventRules.CheckKind(e.Metadata, JsonValueKind.Object) is { } metadataProblem)
        {
            return Reject(index, e.Type, "metadata", metadataProblem);
        }
        if (EventRules.CheckKind(e.ColumnConfig, JsonValueKind.Array) is { } columnProblem)
        {
            return Reject(index, e.Type, "columnConfig", columnProblem);
        }

        state.SetAnnouncedStepCount(e.StepCount);
        state.SetRecord(new RunRecord
        {
            Id = state.RunId,
            WorkflowId = e.WorkflowId!,
            WorkflowName = e.WorkflowName,
            Status = RunStatus.Running,
            TriggerType = e.TriggerType,
            EventName = e.EventName,
            ParentRunId = e.ParentRunId,
            ParentStepId = e.ParentStepId,
            RerunOf = e.RerunOf,
            RunnableId = e.RunnableId,
            RunnableKind = e.RunnableKind,
            ExperimentId = e.ExperimentId,
            ExperimentCandidateId = e.ExperimentCandidateId,
            TelemetrySpanId = e.TelemetrySpanId,
            AccountId = e.AccountId,
            UserId = e.UserId,
            CreatedAt = e.Timestamp,
            StartedAt = e.Timestamp,
            StepCount = e.StepCount ?? 0,
            Input = e.Input,
            Metadata = e.Metadata,
            ColumnConfig = e.ColumnConfig,
            Truncated = Pick(e.Truncated, "input"),
        });
        return ReduceResult.Applied;
    }

    private static ReduceResult ApplyStepStarted(RunState state, StepStarted e, int index)
    {
        if (CheckStepIdentity(e, index) is { } identityProblem)
        {
            return identityProblem;
        }
        var attempt = e.Attempt ?? 1;
        if (attempt < 1)
        {
            return Reject(index, e.Type, "attempt", "must be at least 1");
        }
        if (e.StepIndex is < 0)
        {
            return Reject(index, e.Type, "stepIndex", "must not be negative");
        }
        if (state.Record!.Status == RunStatus.Waiting)
        {
            return Reject(index, e.Type, "type", "the run is waiting for input; send run_resumed before starting steps");
        }
        var key = new StepKey(e.StepId!, e.LoopIndex);
        var history = state.GetStep(key);
        if (history is not null)
        {
            var latest = history.Latest;
            if (latest.Status == StepStatus.Running)
            {
                return Reject(index, e.Type, "attempt", $"attempt {latest.Attempt} of step {key} is still running");
            }
            if (attempt <= latest.Attempt)
            {
                return Reject(index, e.Type, "attempt", $"attempts of a step must rise: step {key} already had attempt {latest.Attempt}");
            }
        }

        var truncatedInput = Pick(e.Truncated, "input");
        var trace = new StepTrace
        {
            StepId = key.StepId,
            LoopIndex = key.LoopIndex,
            StepName = e.StepName ?? history?.Latest.StepName,
            Operation = e.Operation ?? history?.Latest.Operation,
            StepIndex = e.StepIndex ?? history?.Latest.StepIndex,
            Attempt = attempt,
            Status = StepStatus.Running,
            StartedAt = e.Timestamp,
            InputContext = e.Input,
            InputSizeBytes = SizeOf(e.Input, e.Truncated, "input"),
            TruncatedFields = truncatedInput,
            Truncated = truncatedInput is not null,
        };
        state.SetStep(history is null ? new StepHistory(key, [trace]) : history.Append(trace));
        state.StepCountChanged();
        return ReduceResult.Applied;
    }

    private static ReduceResult ApplyStepEnd(RunState state, StepEndEvent e, int index)
    {
        if (CheckStepIdentity(e, index) is { } identityProblem)
        {
            return identityProblem;
        }
        var key = new StepKey(e.StepId!, e.LoopIndex);
        var history = state.GetStep(key);
        if (history is null)
        {
            return Reject(index, e.Type, "stepId", $"step {key} has not started");
        }
        var attempt = e.Attempt is { } n ? history.Find(n) : history.Latest;
        if (attempt is null)
        {
            return Reject(index, e.Type, "attempt", $"attempt {e.Attempt} of step {key} was not started");
        }
        if (attempt.Status != StepStatus.Running)
        {
            return Reject(index, e.Type, "attempt", $"attempt {attempt.Attempt} of step {key} already ended ({attempt.Status.ToString().ToLowerInvariant()})");
        }
        if (EventRules.CheckNonNegative(e.DurationMs) is { } durationProblem)
        {
            return Reject(index, e.Type, "durationMs", durationProblem);
        }
        if (EventRules.CheckTokens(e.Tokens) is { } tokenProblem)
        {
            return Reject(index, e.Type, tokenProblem.Field, tokenProblem.Message);
        }
        if (EventRules.CheckCost(e.CostUsd) is { } costProblem)
        {
            return Reject(index, e.Type, "costUsd", costProblem);
        }
        if (ModelNames.Problem(e.ModelUsed) is { } modelProblem)
        {
            return Reject(index, e.Type, "modelUsed", modelProblem);
        }
        if (attempt.StartedAt is { } started && e.Timestamp < started)
        {
            return Reject(index, e.Type, "timestamp", $"is before the attempt started ({started:O})");
        }
        if (e is StepFailed failed && EventRules.CheckError(failed.Error, required: true) is { } errorProblem)
        {
            return Reject(index, e.Type, errorProblem.Field, errorProblem.Message);
        }

        var tokens = e.Tokens;
        var completed = e as StepCompleted;
        var stepFailed = e as StepFailed ?? (completed is null ? throw new System.Diagnostics.UnreachableException($"A step end the reducer does not know: {e.Type}.") : null);
        var truncated = completed is not null
            ? Merge(attempt.TruncatedFields, Pick(completed.Truncated, "output", "mappedOutput"))
            : Merge(attempt.TruncatedFields, Pick(stepFailed!.Truncated, "error.data"));
        // One copy of the attempt per event (this runs for every step): what only one kind of end sets is kept otherwise.
        var ended = attempt with
        {
            CompletedAt = e.Timestamp,
            DurationMs = e.DurationMs ?? Milliseconds(attempt.StartedAt, e.Timestamp),
            ModelUsed = e.ModelUsed,
            Tokens = tokens,
            CostUsd = e.CostUsd,
            Status = completed is not null ? StepStatus.Completed : StepStatus.Failed,
            OutputContext = completed is not null ? completed.Output : attempt.OutputContext,
            OutputSizeBytes = completed is not null ? SizeOf(completed.Output, completed.Truncated, "output") : attempt.OutputSizeBytes,
            MappedOutput = completed is not null ? completed.MappedOutput : attempt.MappedOutput,
            MappedOutputSizeBytes = completed is not null ? SizeOf(completed.MappedOutput, completed.Truncated, "mappedOutput") : attempt.MappedOutputSizeBytes,
            ErrorContext = stepFailed is not null ? stepFailed.Error : attempt.ErrorContext,
            WillRetry = stepFailed is not null ? stepFailed.WillRetry : attempt.WillRetry,
            TruncatedFields = truncated,
            Truncated = truncated is not null,
        };
        var record = state.Record!;
        if (completed is not null && record.FailedStepId == key.StepId && record.FailedStepLoopIndex == key.LoopIndex)
        {
            record = record with { FailedStepId = null, FailedStepLoopIndex = null };
        }
        if (stepFailed is not null && stepFailed.WillRetry != true)
        {
            record = record with { FailedStepId = key.StepId, FailedStepLoopIndex = key.LoopIndex };
        }

        state.SetStep(history.Replace(attempt, ended));
        if (tokens is not null || e.CostUsd is not null)
        {
            record = record with
            {
                PromptTokens = record.PromptTokens + (tokens?.Prompt ?? 0),
                CachedTokens = record.CachedTokens + (tokens?.Cached ?? 0),
                CompletionTokens = record.CompletionTokens + (tokens?.Completion ?? 0),
                TotalTokens = record.TotalTokens + (tokens?.Total ?? 0),
                CostUsd = e.CostUsd is { } cost ? (record.CostUsd ?? 0m) + cost : record.CostUsd,
            };
        }
        state.SetRecord(record);
        return ReduceResult.Applied;
    }

    private static ReduceResult ApplyStepSkipped(RunState state, StepSkipped e, int index)
    {
        if (CheckStepIdentity(e, index) is { } identityProblem)
        {
            return identityProblem;
        }
        var key = new StepKey(e.StepId!, e.LoopIndex);
        var history = state.GetStep(key);
        if (history is null)
        {
            // A step skipped by a condition never starts; it still belongs in the trace, as attempt 1.
            var skipped = new StepTrace
            {
                StepId = key.StepId,
                LoopIndex = key.LoopIndex,
                StepName = e.StepName,
                Operation = e.Operation,
                Attempt = 1,
                Status = StepStatus.Skipped,
                CompletedAt = e.Timestamp,
                SkipReason = e.Reason,
            };
            state.SetStep(new StepHistory(key, [skipped]));
            state.StepCountChanged();
            return ReduceResult.Applied;
        }
        var latest = history.Latest;
        if (latest.Status != StepStatus.Running)
        {
            return Reject(index, e.Type, "stepId", $"step {key} already ended ({latest.Status.ToString().ToLowerInvariant()}); only a running or unstarted step can be skipped");
        }
        state.SetStep(history.Replace(latest, latest with
        {
            Status = StepStatus.Skipped,
            CompletedAt = e.Timestamp,
            DurationMs = Milliseconds(latest.StartedAt, e.Timestamp),
            SkipReason = e.Reason,
        }));
        return ReduceResult.Applied;
    }

    private static ReduceResult ApplyRunWaiting(RunState state, RunWaiting e, int index)
    {
        if (state.Record!.Status == RunStatus.Waiting)
        {
            return Reject(index, e.Type, "type", "the run is already waiting");
        }
        if (EventRules.CheckId(e.StepId, required: false) is { } problem)
        {
            return Reject(index, e.Type, "stepId", problem);
        }
        state.SetRecord(state.Record with { Status = RunStatus.Waiting, WaitingReason = e.Reason, WaitingStepId = e.StepId, WaitingSince = e.Timestamp });
        return ReduceResult.Applied;
    }

    private static ReduceResult ApplyRunResumed(RunState state, RunResumed e, int index)
    {
        if (state.Record!.Status != RunStatus.Waiting)
        {
            return Reject(index, e.Type, "type", "the run is not waiting");
        }
        state.SetRecord(state.Record with { Status = RunStatus.Running, WaitingReason = null, WaitingStepId = null, WaitingSince = null });
        return ReduceResult.Applied;
    }

    private static ReduceResult ApplyTerminal(RunState state, TerminalRunEvent e, int index)
    {
        var record = state.Record!;
        if (record.StartedAt is { } started && e.Timestamp < started)
        {
            return Reject(index, e.Type, "timestamp", $"is before the run started ({started:O})");
        }
        var error = e switch
        {
            RunFailed failed => failed.Error,
            RunTimedOut timedOut => timedOut.Error,
            _ => null,
        };
        if (EventRules.CheckError(error, required: e is RunFailed) is { } errorProblem)
        {
            return Reject(index, e.Type, errorProblem.Field, errorProblem.Message);
        }

        var status = e switch
        {
            RunCompleted => RunStatus.Completed,
            RunFailed => RunStatus.Failed,
            RunCancelled => RunStatus.Cancelled,
            _ => RunStatus.Timeout,
        };
        if (e is RunTimedOut && error is null)
        {
            error = new ErrorInfo { Code = "TIMEOUT", Message = "The run exceeded its maximum execution time." };
        }
        InterruptRunningSteps(state, status, e.Timestamp!.Value);

        state.SetRecord(record with
        {
            Status = status,
            CompletedAt = e.Timestamp,
            FailedAt = status == RunStatus.Failed ? e.Timestamp : null,
            DurationMs = Milliseconds(record.StartedAt, e.Timestamp),
            Result = e is RunCompleted completed ? completed.Result : record.Result,
            Error = error ?? record.Error,
            CancelReason = e is RunCancelled cancelled ? cancelled.Reason : record.CancelReason,
            FailedStepId = status == RunStatus.Completed ? null : record.FailedStepId,
            FailedStepLoopIndex = status == RunStatus.Completed ? null : record.FailedStepLoopIndex,
            WaitingReason = null,
            WaitingStepId = null,
            WaitingSince = null,
            Truncated = Merge(record.Truncated, Pick(e.Truncated, "result", "error.data")),
        });
        return ReduceResult.Applied;
    }

    /// <summary>
    /// A run that ends while steps still run (cancelled, timed out, or an engine that did not report them) must not
    /// leave bars growing forever: such attempts end with the run, as failed, saying why.
    /// </summary>
    private static void InterruptRunningSteps(RunState state, RunStatus status, DateTimeOffset at)
    {
        foreach (var key in state.StepOrder.ToArray())
        {
            var history = state.GetStep(key)!;
            var latest = history.Latest;
            if (latest.Status != StepStatus.Running)
            {
                continue;
            }
            state.SetStep(history.Replace(latest, latest with
            {
                Status = StepStatus.Failed,
                CompletedAt = at,
                DurationMs = Milliseconds(latest.StartedAt, at),
                ErrorContext = new ErrorInfo
                {
                    Code = "INTERRUPTED",
                    Message = $"The run ended ({status.ToWire()}) while this attempt was running.",
                },
            }));
        }
    }

    private static ReduceResult ApplyLog(RunState state, LogEvent e, int index)
    {
        if (e.Level is null || !EventRules.LogLevels.Contains(e.Level))
        {
            return Reject(index, e.Type, "level", "must be one of debug, info, warn, error");
        }
        if (e.Message is null)
        {
            return Reject(index, e.Type, "message", "is required");
        }
        if (EventRules.CheckId(e.StepId, required: false) is { } problem)
        {
            return Reject(index, e.Type, "stepId", problem);
        }
        state.CountLog();
        return ReduceResult.Applied;
    }

    private static ReduceResult? CheckStepIdentity(StepEvent e, int index)
    {
        if (EventRules.CheckId(e.StepId, required: true) is { } problem)
        {
            return Reject(index, e.Type, "stepId", problem);
        }
        if (e.LoopIndex is < 0)
        {
            return Reject(index, e.Type, "loopIndex", "must not be negative");
        }
        return null;
    }

    private static long? Milliseconds(DateTimeOffset? from, DateTimeOffset? to) =>
        from is { } a && to is { } b ? (long)(b - a).TotalMilliseconds : null;

    private static long? SizeOf(JsonElement? value, IReadOnlyDictionary<string, long>? truncated, string field)
    {
        if (truncated is not null && truncated.TryGetValue(field, out var original))
        {
            return original;
        }
        return value is { } v ? JsonMarshal.GetRawUtf8Value(v).Length : null;
    }

    private static IReadOnlyDictionary<string, long>? Pick(IReadOnlyDictionary<string, long>? truncated, params string[] fields)
    {
        if (truncated is null)
        {
            return null;
        }
        Dictionary<string, long>? picked = null;
        foreach (var field in fields)
        {
            if (truncated.TryGetValue(field, out var size))
            {
                (picked ??= [])[field] = size;
            }
        }
        return picked;
    }

    private static IReadOnlyDictionary<string, long>? Merge(IReadOnlyDictionary<string, long>? a, IReadOnlyDictionary<string, long>? b)
    {
        if (a is null || b is null)
        {
            return a ?? b;
        }
        var merged = new Dictionary<string, long>(a);
        foreach (var (key, value) in b)
        {
            merged[key] = value;
        }
        return merged;
    }

    private static ReduceResult Reject(int index, string? type, string field, string message) =>
        new(ReduceOutcome.Rejected, new EventRejection(index, type, field, message));
}
