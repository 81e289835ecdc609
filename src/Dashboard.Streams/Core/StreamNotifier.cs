using System.Collections.Concurrent;

namespace Dashboard.Streams.Core;

/// <summary>
/// Wakes readers waiting at a stream's tail when it grows or closes: one shared task per stream, completed and replaced
/// on every change, so a thousand long-polls on one stream cost one completion and no database polling.
/// </summary>
public sealed class StreamNotifier
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);

    /// <summary>A task that completes at the next change of <paramref name="path"/>. Take it before checking the tail, so no change is missed.</summary>
    public Task NextChange(string path) =>
        _waiters.GetOrAdd(path, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Changed(string path)
    {
        if (_waiters.TryRemove(path, out var waiter))
        {
            waiter.TrySetResult();
        }
    }
}
