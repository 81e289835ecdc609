using System.Text.Json;
using Dashboard.Model.Events;
using Dashboard.Model.Reducing;
using Dashboard.Model.Runs;
using Dashboard.Streams.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Runs.Ingestion;

/// <summary>
/// The reducer state of runs being reported, kept in memory between batches. The stream is the truth: a state not
/// here (evicted, or after a restart) is rebuilt by replaying the run's stream through the reducer.
/// </summary>
/// <remarks>
/// Bounded twice: by how many runs it holds, and by their estimated size (<see cref="RunStateSize"/>), because one running
/// run of 100,000 steps is as big as a thousand small ones. Past either bound it lets go of states until it is a tenth
/// under both: ended runs' first, then those reported to least recently. The one asked for is kept even when it alone is
/// over the budget: its batch needs it, and the next batch of another run lets go of it.
/// </remarks>
public sealed partial class RunStateCache(DurableStreamEngine engine, RunStateCacheLimits limits, ILogger<RunStateCache>? logger = null)
{
    private readonly Dictionary<string, Held> _states = new(StringComparer.Ordinal);
    private readonly ILogger _logger = logger ?? NullLogger<RunStateCache>.Instance;
    // Guards the dictionary and the sums, never a replay: each call holds it for a look-up and a few additions.
    private readonly Lock _gate = new();
    private long _bytes;
    private long _uses;
    private int _runningLetGo;
    private long? _loggedAt;

    public RunStateCache(DurableStreamEngine engine)
        : this(engine, new RunStateCacheLimits())
    {
    }

    /// <summary>Runs held.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _states.Count;
            }
        }
    }

    /// <summary>The estimated size of the states held.</summary>
    public long EstimatedBytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Whether this run's state is held (a batch for it would not replay its stream).</summary>
    public bool Holds(string runId)
    {
        lock (_gate)
        {
            return _states.ContainsKey(runId);
        }
    }

    /// <summary>Call only while holding the run's ingestion lock.</summary>
    public RunState Get(string runId)
    {
        lock (_gate)
        {
            if (_states.TryGetValue(runId, out var held))
            {
                // Sized again at each batch: the state grew by the batch before this one.
                Resize(held);
                held.LastUsed = ++_uses;
                TrimIfOver(keep: runId);
                return held.State;
            }
        }
        var state = Replay(runId);
        lock (_gate)
        {
            var held = new Held(state) { LastUsed = ++_uses };
            if (_states.Remove(runId, out var replaced))
            {
                _bytes -= replaced.Bytes;
            }
            _states[runId] = held;
            Resize(held);
            TrimIfOver(keep: runId);
        }
        return state;
    }

    public void Evict(string runId)
    {
        lock (_gate)
        {
            if (_states.Remove(runId, out var held))
            {
                _bytes -= held.Bytes;
            }
        }
    }

    private void Resize(Held held)
    {
        var bytes = RunStateSize.Estimate(held.State);
        _bytes += bytes - held.Bytes;
        held.Bytes = bytes;
    }

    private void TrimIfOver(string keep)
    {
        if (_states.Count <= limits.MaxRuns && _bytes <= limits.MaxBytes)
        {
            return;
        }
        var runsTarget = limits.MaxRuns - limits.MaxRuns / 10;
        var bytesTarget = limits.MaxBytes - limits.MaxBytes / 10;
        // Ended runs are rarely reported to again (and a run is let go of when its last batch is stored): first out.
        var order = _states
            .Where(s => s.Key != keep)
            .OrderBy(s => s.Value.State.Record?.Status.IsTerminal() ?? true ? 0 : 1)
            .ThenBy(s => s.Value.LastUsed)
            .Select(s => s.Key)
            .ToList();
        var running = 0;
        foreach (var runId in order)
        {
            if (_states.Count <= runsTarget && _bytes <= bytesTarget)
            {
                break;
            }
            var held = _states[runId];
            _states.Remove(runId);
            _bytes -= held.Bytes;
            running += held.State.Record?.Status.IsTerminal() ?? true ? 0 : 1;
        }
        // At most once a minute: a cache too small for the runs being reported lets go of some at every batch.
        _runningLetGo += running;
        if (_runningLetGo > 0 && (_loggedAt is not { } at || Environment.TickCount64 - at >= 60_000))
        {
            LogRunningLetGo(_logger, _runningLetGo, _states.Count, _bytes / (1024 * 1024), limits.MaxRuns, limits.MaxBytes / (1024 * 1024));
            _runningLetGo = 0;
            _loggedAt = Environment.TickCount64;
        }
    }

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

    private sealed class Held(RunState state)
    {
        public RunState State { get; } = state;
        public long Bytes { get; set; }
        public long LastUsed { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The run state cache let go of {Count} running runs since it last said so, to stay within its bounds ({Held} runs, about {HeldMb} MB held; at most {MaxRuns} runs, {MaxMb} MB). " +
        "Their next batches replay their streams; raise Runs:StateCacheRuns or Runs:StateCacheMegabytes if this repeats.")]
    private static partial void LogRunningLetGo(ILogger logger, int count, int held, long heldMb, int maxRuns, long maxMb);
}
