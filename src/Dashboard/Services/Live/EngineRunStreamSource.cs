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
/// read once, straight into the event.
/// </summary>
public sealed partial class EngineRunStreamSource(DurableStreamEngine engine, ILogger<EngineRunStreamSource> logger) : IRunStreamSource
{
    /// <summary>How long one wait for an append lasts before the next (nothing is lost between two: they read from one offset).</summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    public async IAsyncEnumerable<RunEvent> FollowRunAsync(string runId, string from, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (message, end) in FollowAsync(RunStreams.PathOf(runId), from, cancellationToken).ConfigureAwait(false))
        {
            var e = JsonSerializer.Deserialize<RunEvent>(message.Span, ModelJson.Options)
                ?? throw new InvalidDataException($"Run {runId} holds an event that is null.");
            e = e with { Offset = end.ToString() };
            yield return e;
            if (e.IsTerminal)
            {
                yield break;
            }
        }
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
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            StreamRead read;
            try
            {
                read = await engine.WaitAsync(path, position, Wait, ReadLimits.Default, cancellationToken).ConfigureAwait(false);
                failures = 0;
            }
            catch (ObjectDisposedException)
            {
                // The service is shutting down with this process.
                yield break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReadFailed(logger, path, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 250 * ++failures)), cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (read.Status != StreamStatus.Ok)
            {
                // Deleted (retention) or never made: nothing more will come, as the events API would answer 404.
                LogStreamGone(logger, path, read.Status);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading {Path} failed; trying again")]
    private static partial void LogReadFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Following {Path} stopped: {Status}")]
    private static partial void LogStreamGone(ILogger logger, string path, StreamStatus status);
}
