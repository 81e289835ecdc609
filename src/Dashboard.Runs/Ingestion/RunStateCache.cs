using System.Collections.Concurrent;
using System.Text.Json;
using Dashboard.Model.Events;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using Dashboard.Streams.Core;

namespace Dashboard.Runs.Ingestion;

/// <summary>
/// The reducer state of runs being reported, kept in memory between batches. The stream is the truth: a state not
/// here (evicted, or after a restart) is rebuilt by replaying the run's stream through the reducer.
/// </summary>
public sealed class RunStateCache(DurableStreamEngine engine, int capacity = 2_000)
{
    private readonly ConcurrentDictionary<string, RunState> _states = new(StringComparer.Ordinal);

    /// <summary>Call only while holding the run's ingestion lock.</summary>
    public RunState Get(string runId)
    {
        if (_states.TryGetValue(runId, out var cached))
        {
            return cached;
        }
        var state = Replay(runId);
        if (_states.Count >= capacity)
        {
            // Finished runs are rarely reported to again: drop them first.
            foreach (var (id, other) in _states)
            {
                if (other.Record?.Status.IsTerminal() ?? true)
                {
                    _states.TryRemove(id, out _);
                }
            }
            if (_states.Count >= capacity)
            {
                _states.Clear();
            }
        }
        _states[runId] = state;
        return state;
    }

    public void Evict(string runId) => _states.TryRemove(runId, out _);

    private RunState Replay(string runId)
    {
        var state = new RunState(runId);
        var path = RunStreams.PathOf(runId);
        var offset = StreamOffset.Zero;
        while (true)
        {
            var read = engine.Read(path, offset, new ReadLimits(MaxBytes: 4 * 1024 * 1024));
            if (read.Status != StreamStatus.Ok)
            {
                return state;
            }
            for (var i = 0; i < read.Messages.Count; i++)
            {
                using var document = JsonDocument.Parse(read.Messages[i]);
                var (parsed, rejection) = RunEventParser.ParseOne(document.RootElement, i);
                if (parsed is null)
                {
                    throw new InvalidDataException($"Run {runId} holds an event it cannot read back: {rejection}");
                }
                RunReducer.Apply(state, parsed with { Offset = new StreamOffset(read.MessageEnds[i]).ToString() });
            }
            // Kept only to reduce the next batch on and to write from: ended attempts' payloads are in their rows. Let go
            // of at each read, so that replaying a long run never holds all of them at once.
            state.DropEndedPayloads();
            if (read.UpToDate)
            {
                return state;
            }
            offset = read.Next;
        }
    }
}
