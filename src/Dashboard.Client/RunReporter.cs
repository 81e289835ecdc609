using System.Text.Json;
using Dashboard.Client.Errors;
using Dashboard.Model.Events;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;

namespace Dashboard.Client;

/// <summary>
/// What a workflow engine calls to report one run: <c>StartRun</c>, <c>StartStep</c>, <c>CompleteStep</c>, …,
/// <c>CompleteRun</c>. Events are stamped and buffered, sent in order in batches with idempotent-producer headers, and a
/// batch whose answer was lost is resent with the same sequence number, so the service stores it exactly once.
/// Dispose flushes. Not thread-safe for ordering across threads: report one run from one logical flow.
/// </summary>
public sealed class RunReporter : IAsyncDisposable
{
    private readonly IRunsClient _client;
    private readonly RunReporterOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<RunEvent> _pending = [];
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _timer;
    private readonly string _producerId;
    private long _nextSeq;
    private (List<RunEvent> Events, ProducerHeaders Producer)? _unsent;
    private long _eventCounter;
    private Exception? _backgroundFailure;

    public RunReporter(IRunsClient client, string runId, RunReporterOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        _client = client;
        RunId = runId;
        _options = options ?? RunReporterOptions.Default;
        _time = time ?? TimeProvider.System;
        _producerId = _options.ProducerId ?? $"reporter-{Guid.NewGuid():N}";
        _timer = FlushPeriodicallyAsync(_stopping.Token);
    }

    public string RunId { get; }

    /// <summary>Batches the service acknowledged.</summary>
    public int BatchesSent { get; private set; }

    public void StartRun(string workflowId, string? workflowName = null, string? triggerType = null, object? input = null,
        string? parentRunId = null, int? stepCount = null, string? eventName = null, object? metadata = null, string? runnableKind = null,
        string? parentStepId = null, string? rerunOf = null, string? requestId = null) =>
        Report(new RunStarted
        {
            WorkflowId = workflowId,
            WorkflowName = workflowName,
            TriggerType = triggerType,
            Input = Json(input),
            ParentRunId = parentRunId,
            ParentStepId = parentStepId,
            RerunOf = rerunOf,
            RequestId = requestId,
            StepCount = stepCount,
            EventName = eventName,
            Metadata = Json(metadata),
            RunnableKind = runnableKind,
        });

    public void StartStep(string stepId, object? input = null, int attempt = 1, int? loopIndex = null, string? stepName = null, string? operation = null, int? stepIndex = null) =>
        Report(new StepStarted { StepId = stepId, Input = Json(input), Attempt = attempt, LoopIndex = loopIndex, StepName = stepName, Operation = operation, StepIndex = stepIndex });

    public void CompleteStep(string stepId, object? output = null, int? attempt = null, int? loopIndex = null, string? model = null,
        TokenBreakdown? tokens = null, decimal? costUsd = null, object? mappedOutput = null, long? durationMs = null) =>
        Report(new StepCompleted
        {
            StepId = stepId, Output = Json(output), Attempt = attempt, LoopIndex = loopIndex, ModelUsed = model,
            Tokens = tokens, CostUsd = costUsd, MappedOutput = Json(mappedOutput), DurationMs = durationMs,
        });

    public void FailStep(string stepId, ErrorInfo error, int? attempt = null, int? loopIndex = null, bool? willRetry = null,
        string? model = null, TokenBreakdown? tokens = null, decimal? costUsd = null) =>
        Report(new StepFailed
        {
            StepId = stepId, Error = error, Attempt = attempt, LoopIndex = loopIndex, WillRetry = willRetry,
            ModelUsed = model, Tokens = tokens, CostUsd = costUsd,
        });

    public void SkipStep(string stepId, string? reason = null, int? loopIndex = null, string? stepName = null) =>
        Report(new StepSkipped { StepId = stepId, Reason = reason, LoopIndex = loopIndex, StepName = stepName });

    public void WaitForInput(string? reason = null, string? stepId = null) => Report(new RunWaiting { Reason = reason, StepId = stepId });

    /// <summary>The run goes on after waiting; <paramref name="requestId"/> when a control request's <c>resume</c> did it.</summary>
    public void Resume(string? requestId = null) => Report(new RunResumed { RequestId = requestId });

    /// <summary>
    /// A log line (<paramref name="level"/>: debug, info, warn or error), of the run or of a step's attempt or iteration;
    /// <paramref name="fields"/> (an object) become its structured fields.
    /// </summary>
    public void Log(string level, string message, string? stepId = null, int? attempt = null, int? loopIndex = null, object? fields = null) =>
        Report(new LogEvent
        {
            Level = level,
            Message = message,
            StepId = stepId,
            Attempt = attempt,
            LoopIndex = loopIndex,
            Extra = Json(fields) is { ValueKind: System.Text.Json.JsonValueKind.Object } json ? json.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()) : null,
        });

    public void CompleteRun(object? result = null) => Report(new RunCompleted { Result = Json(result) });

    public void FailRun(ErrorInfo error) => Report(new RunFailed { Error = error });

    /// <summary>The run stops; <paramref name="requestId"/> when a control request's <c>cancel</c> did it.</summary>
    public void CancelRun(string? reason = null, string? requestId = null) => Report(new RunCancelled { Reason = reason, RequestId = requestId });

    public void TimeOutRun(ErrorInfo? error = null) => Report(new RunTimedOut { Error = error });

    /// <summary>Queues any event; its timestamp (if missing) and event id are set here.</summary>
    public void Report(RunEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var stamped = e with
        {
            Timestamp = e.Timestamp ?? _time.GetUtcNow(),
            EventId = e.EventId ?? $"{_producerId}-{Interlocked.Increment(ref _eventCounter)}",
        };
        bool full;
        lock (_gate)
        {
            _pending.Add(stamped);
            full = _pending.Count >= _options.BatchSize;
        }
        if (full || stamped.IsTerminal)
        {
            _ = FlushInBackgroundAsync();
        }
    }

    /// <summary>Sends everything queued so far; throws what a background send could not recover from.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await SendPendingAsync(cancellationToken).ConfigureAwait(false);
        if (Interlocked.Exchange(ref _backgroundFailure, null) is { } failure)
        {
            throw failure;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _timer.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        try
        {
            await FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            _stopping.Dispose();
            _sending.Dispose();
        }
    }

    private async Task FlushPeriodicallyAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.FlushInterval, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            await FlushInBackgroundAsync().ConfigureAwait(false);
        }
    }

    private async Task FlushInBackgroundAsync()
    {
        try
        {
            await SendPendingAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RunsClientException or ObjectDisposedException or OperationCanceledException)
        {
            Interlocked.CompareExchange(ref _backgroundFailure, ex, null);
        }
    }

    private async Task SendPendingAsync(CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                if (_unsent is null)
                {
                    lock (_gate)
                    {
                        if (_pending.Count == 0)
                        {
                            return;
                        }
                        var events = _pending.Take(_options.BatchSize).ToList();
                        _pending.RemoveRange(0, events.Count);
                        // The sequence number belongs to the batch: every retry of it carries the same one.
                        _unsent = (events, new ProducerHeaders(_producerId, 0, _nextSeq++));
                    }
                }
                var (batch, producer) = _unsent.Value;
                try
                {
                    await SendWithRetriesAsync(batch, producer, cancellationToken).ConfigureAwait(false);
                }
                catch (RunsClientException ex) when (!ApiErrorMapper.IsTransient(ex))
                {
                    // Refused outright (invalid events, no permission): sending it again cannot help, and the service did
                    // not consume its sequence number, so the next batch takes that number.
                    _unsent = null;
                    _nextSeq = producer.Seq;
                    throw;
                }
                // A transient failure past the retries leaves the batch in _unsent, first in line for the next flush.
                _unsent = null;
                BatchesSent++;
            }
        }
        finally
        {
            _sending.Release();
        }
    }

    private async Task SendWithRetriesAsync(List<RunEvent> batch, ProducerHeaders producer, CancellationToken cancellationToken)
    {
        var backoff = _options.InitialBackoff;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _client.ReportAsync(RunId, batch, producer, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RunsClientException ex) when (ApiErrorMapper.IsTransient(ex) && attempt < _options.MaxRetries)
            {
                var wait = ex is RateLimitedException { RetryAfter: { } retryAfter } ? retryAfter : backoff;
                backoff = TimeSpan.FromMilliseconds(Math.Min(_options.MaxBackoff.TotalMilliseconds, backoff.TotalMilliseconds * 2));
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static JsonElement? Json(object? value) => value switch
    {
        null => null,
        JsonElement element => element,
        _ => JsonSerializer.SerializeToElement(value, ModelJson.Options),
    };
}
