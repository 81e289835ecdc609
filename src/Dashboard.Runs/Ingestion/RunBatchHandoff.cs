using System.Collections.Concurrent;
using Dashboard.Model.Events;
using Dashboard.Streams.Core;

namespace Dashboard.Runs.Ingestion;

/// <summary>
/// Hands the batches this process's ingestion commits to the in-process followers of those runs (the embedded
/// dashboard's relay), as ingestion parsed them: woken by each append, a follower read the batch back from the store
/// (a read transaction, which on SQLite drops the connection's page cache after every commit) and parsed every event
/// again; without that the dashboard keeps up with about a quarter more of the live benchmark's 5,000 events a second. A
/// follower is handed only what it can prove is next (a batch that starts where it stands); every other change of its
/// run's stream (another instance's append, a batch dropped here, a deletion, changes that went unheard) is counted by
/// the <see cref="StreamNotifier"/>'s wake-ups that no handed batch explains, and the follower reads the store for those.
/// </summary>
public sealed class RunBatchHandoff : IDisposable
{
    private readonly StreamNotifier _notifier;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, RunFollow[]> _follows = new(StringComparer.Ordinal);
    private long _taken;

    public RunBatchHandoff(StreamNotifier notifier)
    {
        _notifier = notifier;
        _notifier.Waking += OnWaking;
    }

    /// <summary>Starts handing the committed batches of the stream at <paramref name="path"/> to one follower, until disposed.</summary>
    public RunFollow Follow(string path)
    {
        var follow = new RunFollow(this, path);
        lock (_gate)
        {
            _follows[path] = _follows.TryGetValue(path, out var others) ? [.. others, follow] : [follow];
        }
        return follow;
    }

    /// <summary>How many handed batches followers took (instead of reading them from the store), since this process started.</summary>
    public long BatchesTaken => Interlocked.Read(ref _taken);

    internal void Took() => Interlocked.Increment(ref _taken);

    /// <summary>Whether anyone here follows <paramref name="path"/> (else nothing is handed, and nothing need be made for it).</summary>
    public bool IsFollowed(string path) => _follows.ContainsKey(path);

    /// <summary>
    /// After the append of <paramref name="events"/> (each stored as the message at the same place in
    /// <paramref name="stored"/>) committed, before the stream's readers are woken.
    /// </summary>
    public void Committed(string path, IReadOnlyList<RunEvent> events, IReadOnlyList<StoredMessage> stored)
    {
        if (!_follows.TryGetValue(path, out var follows) || events.Count == 0 || events.Count != stored.Count)
        {
            return;
        }
        var withOffsets = new RunEvent[events.Count];
        long bytes = 0;
        for (var i = 0; i < events.Count; i++)
        {
            withOffsets[i] = events[i] with { Offset = new StreamOffset(stored[i].End).ToString() };
            bytes += stored[i].Data.Length;
        }
        var batch = new HandedBatch(new StreamOffset(stored[0].Position), new StreamOffset(stored[^1].End), withOffsets, bytes);
        foreach (var follow in follows)
        {
            follow.Add(batch);
        }
    }

    internal void Unfollow(RunFollow follow)
    {
        lock (_gate)
        {
            if (!_follows.TryGetValue(follow.Path, out var follows))
            {
                return;
            }
            var left = follows.Where(f => f != follow).ToArray();
            if (left.Length == 0)
            {
                _follows.TryRemove(follow.Path, out _);
            }
            else
            {
                _follows[follow.Path] = left;
            }
        }
    }

    private void OnWaking(string? path)
    {
        if (path is null)
        {
            foreach (var follows in _follows.Values)
            {
                foreach (var follow in follows)
                {
                    follow.Changed();
                }
            }
        }
        else if (_follows.TryGetValue(path, out var follows))
        {
            foreach (var follow in follows)
            {
                follow.Changed();
            }
        }
    }

    public void Dispose() => _notifier.Waking -= OnWaking;
}

/// <summary>A committed batch as ingestion had it: its events (offsets set) and the place it spans in its run's stream.</summary>
internal sealed record HandedBatch(StreamOffset Start, StreamOffset End, RunEvent[] Events, long Bytes);
