using System.Collections.Concurrent;

namespace Dashboard.Streams.Core;

/// <summary>
/// Wakes readers waiting at a stream's tail when it grows or closes: one shared task per stream, completed and replaced
/// on every change, so a thousand long-polls on one stream cost one completion and no database polling. A change made
/// here is also <see cref="Published"/>, for stores shared by several instances to tell the others
/// (<see cref="Storage.PostgreSqlChangeRelay"/>), which <see cref="Wake"/> their own readers.
/// </summary>
public sealed class StreamNotifier
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);

    /// <summary>A task that completes at the next change of <paramref name="path"/>. Take it before checking the tail, so no change is missed.</summary>
    public Task NextChange(string path) =>
        _waiters.GetOrAdd(path, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>A stream changed in this process (after its transaction committed).</summary>
    public event Action<string>? Published;

    /// <summary>
    /// Raised before a stream's readers are woken (here or by another instance's change); the path is null when every
    /// reader is woken (changes may have gone unheard). For in-process followers that are handed what they read by
    /// other means (<c>RunBatchHandoff</c>) and must know of every change that came another way.
    /// </summary>
    public event Action<string?>? Waking;

    /// <summary>A stream changed in this process: its readers here wake, and other instances are told.</summary>
    public void Changed(string path)
    {
        Wake(path);
        Published?.Invoke(path);
    }

    /// <summary>A stream changed (here or in another instance): its readers here wake and read again.</summary>
    public void Wake(string path)
    {
        Waking?.Invoke(path);
        if (_waiters.TryRemove(path, out var waiter))
        {
            waiter.TrySetResult();
        }
    }

    /// <summary>Every reader wakes and reads again: after changes may have gone unheard (a lost connection to the others).</summary>
    public void WakeAll()
    {
        Waking?.Invoke(null);
        foreach (var path in _waiters.Keys)
        {
            Wake(path);
        }
    }
}
