using System.Collections.Concurrent;

namespace Dashboard.Streams.Core;

/// <summary>
/// One read for every reader that a change of a stream woke at the same place: two hundred long-polls parked at a tail
/// are woken together and would each read the same bytes (on PostgreSQL, two round trips each); the first reads, the
/// others wait for its answer.
/// </summary>
/// <remarks>
/// Readers share a read only when they hold the same <see cref="StreamNotifier.NextChange"/> task, taken before they
/// read. Such a read began after that task was handed out, so after every change the task's readers were woken for had
/// committed: a reader that joins it misses nothing it would have seen by reading itself, and anything later completes
/// the task it waits on next.
/// </remarks>
internal sealed class SharedReads
{
    private readonly ConcurrentDictionary<Key, Task<StreamRead>> _inFlight = new();

    private readonly record struct Key(string Path, long From, ReadLimits Limits, Task Change);

    public Task<StreamRead> Read(Task change, string path, StreamOffset? from, ReadLimits limits, Func<StreamRead> read)
    {
        // A read from the tail (no offset) is keyed apart from every position.
        var key = new Key(path, from?.Position ?? -1, limits, change);
        var mine = new TaskCompletionSource<StreamRead>(TaskCreationOptions.RunContinuationsAsynchronously);
        var current = _inFlight.GetOrAdd(key, mine.Task);
        if (current != mine.Task)
        {
            return current;
        }
        try
        {
            mine.SetResult(read());
        }
        catch (Exception ex)
        {
            mine.SetException(ex);
        }
        finally
        {
            // Only this read's entry: a reader arriving after it finished reads for itself.
            _inFlight.TryRemove(KeyValuePair.Create(key, mine.Task));
        }
        return mine.Task;
    }
}
