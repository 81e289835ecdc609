using System.Collections.Concurrent;
using Dashboard.Client;
using Dashboard.Client.Errors;
using Dashboard.Model.Control;
using Dashboard.Model.Runs;

namespace Dashboard.Services.SampleWorkload;

/// <summary>
/// The sample engine's side of the control streams: it follows the control stream of each sample workflow and acts as
/// an engine must. Cancel stops a run it is running (or, for a run it no longer has in hand, reports it cancelled);
/// resume hands the input to the run waiting for it (or resumes and finishes a waiting run it does not hold); a rerun
/// starts a new run linked to the old one, replaying its steps (a rerun from a step reuses the outputs of the steps
/// before it). Every outcome is reported with the request's id.
/// </summary>
internal sealed partial class SampleControl(IRunsClient client, Random random, ILogger logger)
{
    public static readonly IReadOnlyList<string> Workflows =
    [
        "support-triage", "invoice-approval", "nightly-sync", "refund-request", "contract-review", "quarterly-report", "competitor-scrape", "customer-onboarding", "research-agent",
    ];

    private readonly ConcurrentDictionary<string, HeldRun> _held = new(StringComparer.Ordinal);

    /// <summary>A run a scenario is reporting: how to stop it, and where its approval arrives.</summary>
    public sealed class HeldRun
    {
        public CancellationTokenSource Stop { get; } = new();
        public ControlRequest? CancelRequest { get; set; }
        public TaskCompletionSource<ControlRequest> Resumed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Called by a scenario as it starts a run; <see cref="Release"/> when it has reported the run's end.</summary>
    public HeldRun Hold(string runId) => _held.GetOrAdd(runId, _ => new HeldRun());

    public void Release(string runId)
    {
        if (_held.TryRemove(runId, out var held))
        {
            held.Stop.Dispose();
        }
    }

    /// <summary>Follows every sample workflow's control stream from now until <paramref name="stoppingToken"/>.</summary>
    public Task FollowAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Workflows.Select(workflow => FollowAsync(workflow, stoppingToken)));

    private async Task FollowAsync(string workflowId, CancellationToken stoppingToken)
    {
        var offset = "now";
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var request in client.FollowControlAsync(workflowId, offset, cancellationToken: stoppingToken))
                {
                    offset = request.Offset ?? offset;
                    await ActAsync(request, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (RunsClientException ex)
            {
                // The follower resumes from the last request it acted on: none is done twice, none skipped.
                LogFollowFailed(logger, workflowId, ex);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
    }

    private async Task ActAsync(ControlRequest request, CancellationToken stoppingToken)
    {
        try
        {
            switch (request.Action)
            {
                case ControlActions.Cancel when _held.TryGetValue(request.RunId, out var held):
                    held.CancelRequest = request;
                    await held.Stop.CancelAsync();
                    break;
                case ControlActions.Cancel:
                    await ReportAsync(request.RunId, run => run.CancelRun(CancelReason(request), request.RequestId), stoppingToken);
                    break;
                case ControlActions.Resume when _held.TryGetValue(request.RunId, out var held):
                    held.Resumed.TrySetResult(request);
                    break;
                case ControlActions.Resume:
                    await ResumeUnheldAsync(request, stoppingToken);
                    break;
                case ControlActions.Rerun or ControlActions.RerunFromStep:
                    // Not awaited: a rerun takes as long as its steps; the follower goes on with the next request.
                    _ = RerunAsync(request, stoppingToken);
                    break;
            }
        }
        catch (RunsClientException ex)
        {
            // The run may have ended meanwhile (its stream closed): the request stays unanswered and expires.
            LogActFailed(logger, request.Action, request.RunId, ex);
        }
    }

    public static string CancelReason(ControlRequest request) =>
        $"Cancelled by {request.RequestedBy ?? "someone"}{(string.IsNullOrWhiteSpace(request.Reason) ? "" : ": " + request.Reason)}";

    private async Task ReportAsync(string runId, Action<RunReporter> report, CancellationToken cancellationToken)
    {
        await using var run = new RunReporter(client, runId);
        report(run);
        await run.FlushAsync(cancellationToken);
    }

    // A waiting run this process does not hold (it was started before a restart, or by another engine of the same
    // workflow): the approval finishes the step that waited and the run.
    private async Task ResumeUnheldAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        var record = await client.Run(request.RunId).RecordAsync(cancellationToken: cancellationToken);
        await ReportAsync(request.RunId, run =>
        {
            run.Resume(request.RequestId);
            if (record.WaitingStepId is { } step)
            {
                run.CompleteStep(step, request.Input is { } input ? input : new { approvedBy = request.RequestedBy });
            }
            run.CompleteRun(new { approvedBy = request.RequestedBy });
        }, cancellationToken);
    }

    private async Task RerunAsync(ControlRequest request, CancellationToken stoppingToken)
    {
        try
        {
            var original = client.Run(request.RunId);
            var record = await original.RecordAsync(cancellationToken: stoppingToken);
            var trace = await original.TraceAsync(cancellationToken: stoppingToken);
            var runId = $"{record.WorkflowId}-rerun-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}-{random.Next(0x10000):x4}";
            await using var run = new RunReporter(client, runId);
            run.StartRun(record.WorkflowId, record.WorkflowName, "rerun", request.Input is { } input ? input : record.Input,
                stepCount: trace.Steps.Select(s => s.StepId).Distinct().Count(), rerunOf: record.Id, requestId: request.RequestId);
            var reusing = request.Action == ControlActions.RerunFromStep;
            foreach (var step in trace.Steps)
            {
                reusing &= step.StepId != request.StepId;
                await ReplayAsync(run, step, reusing, record.Id, stoppingToken);
            }
            run.CompleteRun(record.Result is { } result ? result : new { rerunOf = record.Id });
        }
        catch (Exception ex) when (ex is RunsClientException or OperationCanceledException)
        {
            LogActFailed(logger, request.Action, request.RunId, ex);
        }
    }

    // A step again: before the step a rerun starts from, its output is reused at once; from there on it runs (its cause
    // fixed: what failed, was cancelled or timed out now succeeds).
    private async Task ReplayAsync(RunReporter run, StepTrace step, bool reuse, string originalRunId, CancellationToken cancellationToken)
    {
        if (step.Status == StepStatus.Skipped)
        {
            run.SkipStep(step.StepId, step.SkipReason, step.LoopIndex, step.StepName);
            return;
        }
        run.StartStep(step.StepId, step.InputContext is { } input ? input : null, loopIndex: step.LoopIndex, stepName: step.StepName, operation: step.Operation);
        if (reuse)
        {
            run.Log("info", $"reused the output of run {originalRunId}", step.StepId, 1, step.LoopIndex);
            run.CompleteStep(step.StepId, step.OutputContext is { } kept ? kept : null, loopIndex: step.LoopIndex);
            return;
        }
        await Task.Delay(random.Next(200, 600), cancellationToken);
        var output = step.Status == StepStatus.Completed && step.OutputContext is { } same ? (object)same : new { ok = true, rerun = true };
        run.CompleteStep(step.StepId, output, loopIndex: step.LoopIndex, model: step.ModelUsed, tokens: step.Tokens, costUsd: step.CostUsd);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sample workload: the control stream of {Workflow} could not be followed")]
    private static partial void LogFollowFailed(ILogger logger, string workflow, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sample workload: could not act on {Action} for {RunId}")]
    private static partial void LogActFailed(ILogger logger, string action, string runId, Exception exception);
}
