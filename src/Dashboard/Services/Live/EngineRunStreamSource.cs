using System.Runtime.CompilerServices;
using System.Text.Json;
using Dashboard.Model.Events;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;
using Dashboard.Runs.Ingestion;
using Dashboard.Streams.Core;

namespace Dashboard.Services;

/// <summary>
/// The runs service of this process (the embedded default): its streams read where they are kept, woken by its appends
/// (and, on PostgreSQL, by other instances' through the same notifier its long-polls use). Followed over loopback HTTP
/// instead, each event was written as server-sent events, sent, received, read as JSON and then parsed again as an event,
/// about a seventh of the dashboard's CPU under the live benchmark's 5,000 events a second; here each stored event is
/// read once, straight into the event. A run's batches committed by this process are not even read: ingestion hands them
/// over as it parsed them (<see cref="RunBatchHandoff"/>), and the store is read only for what came another way.
/// </summary>
public sealed partial class EngineRunStreamSource(DurableStreamEngine engine, RunBatchHandoff handoff, ILogger<EngineRunStreamSource> logger) : IRunStreamSource
{
    /// <summary>How long one wait for an append lasts before the next (nothing is lost between two: they read from one offset).</summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    public async IAsyncEnumerable<RunEvent> FollowRunAsync(string runId, string from, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = RunStreams.PathOf(runId);
        if (!StreamOffset.TryParse(from, out var position))
        {
            throw new ArgumentException($"Not a stream offset: {from}", nameof(from));
        }
        using var follow = handoff.Follow(path);
        // Null: the store has not been read yet, so it is read first whatever the count says.
        long? accountedAtRead = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Taken before looking, so that a change made after the look wakes the wait below.
            var change = engine.Notifier.NextChange(path);
            if (follow.TryTake(position, out var handed, out var next, out var gap))
            {
                foreach (var e in handed)
                {
                    yield return e;
                    if (e.IsTerminal)
                    {
                        yield break;
                    }
                }
                position = next;
                continue;
            }

            var unaccounted = follow.Unaccounted;
            if (accountedAtRead != unaccounted || gap)
            {
                var at = position;
                if (await ReadOrStopAsync(path, () => Task.FromResult(engine.Read(path, at, ReadLimits.Default)), cancellationToken).ConfigureAwait(false) is not { } read)
                {
                    yield break;
                }
                accountedAtRead = unaccounted;
                for (var i = 0; i < read.Messages.Count; i++)
                {
                    var e = Parse(runId, read.Messages[i], new StreamOffset(read.MessageEnds[i]));
                    yield return e;
                    if (e.IsTerminal)
                    {
                        yield break;
                    }
                }
                position = read.Next;
                if (read.Closed)
                {
                    yield break;
                }
                if (read.HasData)
                {
                    // There may be more than one read's worth.
                    continue;
                }
            }

            try
            {
                // WaitAsync drops its timer when the change comes first (a Task.Delay would stay queued for the whole wait).
                await change.WaitAsync(Wait, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Nothing heard for a while: read anyway, as a long-poll would.
                accountedAtRead = null;
            }
        }
    }

    private static RunEvent Parse(string runId, ReadOnlyMemory<byte> message, StreamOffset end)
    {
        var e = JsonSerializer.Deserialize<RunEvent>(message.Span, ModelJson.Options)
            ?? throw new InvalidDataException($"Run {runId} holds an event that is null.");
        return e with { Offset = end.ToString() };
    }

    public async IAsyncEnumerable<RunChange> FollowFeedAsync(string from, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (message, end) in FollowAsync(RunStreams.FeedPath, from, cancellationToken).ConfigureAwait(false))
        {
            var change = JsonSerializer.Deserialize<RunChange>(message.Span, ModelJson.Options)
                ?? throw new InvalidDataException("The runs feed holds an entry that is null.");
            yield return change with { FeedOffset = end.ToString() };
        }
    }

    /// <summary>
    /// Each message after <paramref name="from"/> with the offset after it, waiting for appends, until the stream is closed
    /// and read to its end, or is gone. A read that fails is tried again from the same offset after a growing pause.
    /// </summary>
    private async IAsyncEnumerable<(ReadOnlyMemory<byte> Message, StreamOffset End)> FollowAsync(string path, string from,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!StreamOffset.TryParse(from, out var position))
        {
            throw new ArgumentException($"Not a stream offset: {from}", nameof(from));
        }
        while (!cancellationToken.IsCancellationRequested)
        {
            var at = position;
            if (await ReadOrStopAsync(path, () => engine.WaitAsync(path, at, Wait, ReadLimits.Default, cancellationToken), cancellationToken).ConfigureAwait(false) is not { } read)
            {
                yield break;
            }
            for (var i = 0; i < read.Messages.Count; i++)
            {
                yield return (read.Messages[i], new StreamOffset(read.MessageEnds[i]));
            }
            position = read.Next;
            if (read.Closed)
            {
                yield break;
            }
        }
    }

    /// <summary>
    /// <paramref name="read"/>'s answer, tried again after a growing pause while it fails; null when following must stop:
    /// the service is shutting down with this process, or the stream is gone (deleted by retention, or never made:
    /// nothing more will come, as the events API would answer 404).
    /// </summary>
    private async Task<StreamRead?> ReadOrStopAsync(string path, Func<Task<StreamRead>> read, CancellationToken cancellationToken)
    {
        for (var failures = 1; ; failures++)
        {
            try
            {
                var answer = await read().ConfigureAwait(false);
                if (answer.Status != StreamStatus.Ok)
                {
                    LogStreamGone(logger, path, answer.Status);
                    return null;
                }
                return answer;
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReadFailed(logger, path, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 250 * failures)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading {Path} failed; trying again")]
    private static partial void LogReadFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Following {Path} stopped: {Status}")]
    private static partial void LogStreamGone(ILogger logger, string path, StreamStatus status);
}
