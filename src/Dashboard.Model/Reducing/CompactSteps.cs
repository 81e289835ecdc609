using System.Runtime.InteropServices;
using Dashboard.Model.Runs;

namespace Dashboard.Model.Reducing;

/// <summary>
/// A run's step histories without an object per attempt: what a viewer holds of a run of 100,000 steps. Entries (one
/// per step and loop iteration, in the order they first started) and attempts are rows of two struct arrays; step ids
/// and names are UTF-8 in one byte buffer; models and operations (few) are numbered. Payloads are not kept (a viewer
/// reads a step's from the service when it shows them); an attempt with something the rows do not hold (a skip reason,
/// truncated fields, a time not in UTC, a count beyond an int) is kept whole beside them. Histories are made on demand.
/// </summary>
internal sealed class CompactSteps
{
    private const int None = -1;
    private const int NoLoop = int.MinValue;

    private Entry[] _entries = new Entry[16];
    private int[] _buckets = new int[32];
    private Slot[] _slots = new Slot[16];
    private readonly Utf8Text _text = new();
    private readonly Labels _labels = new();
    private readonly Dictionary<int, ErrorInfo> _errors = [];

    /// <summary>One copy of each error without data: retries of a flaky step fail alike, thousands of times in a big run.</summary>
    private readonly Dictionary<ErrorInfo, ErrorInfo> _sameErrors = [];
    private readonly Dictionary<int, StepTrace> _unusual = [];

    /// <summary>The entries of each looped step id (there are few loops): for <see cref="Iterations"/> and the step count.</summary>
    private readonly Dictionary<string, List<int>> _loops = new(StringComparer.Ordinal);
    private int _slotCount;

    public int Count { get; private set; }

    public int AttemptCount { get; private set; }

    /// <summary>Distinct step ids: a loop's iterations are one step.</summary>
    public int DistinctStepIds { get; private set; }

    /// <summary>Entries that are loop iterations.</summary>
    public int IterationCount => _loops.Values.Sum(l => l.Count);

    public StepKey KeyAt(int entry) => new(_text.Get(_entries[entry].Id), LoopOf(entry));

    public int AttemptsAt(int entry) => _entries[entry].Attempts;

    public int IndexOf(StepKey key)
    {
        var hash = Hash(key.StepId, key.LoopIndex);
        var loop = key.LoopIndex ?? NoLoop;
        for (var i = _buckets[hash & (_buckets.Length - 1)] - 1; i >= 0; i = _entries[i].Next)
        {
            ref var entry = ref _entries[i];
            if (entry.Hash == hash && entry.Loop == loop && _text.Equals(entry.Id, key.StepId))
            {
                return i;
            }
        }
        return None;
    }

    public StepHistory? Get(StepKey key) => IndexOf(key) is var index and >= 0 ? HistoryAt(index) : null;

    public StepHistory HistoryAt(int entry)
    {
        var key = KeyAt(entry);
        var attempts = new StepTrace[_entries[entry].Attempts];
        var slot = _entries[entry].First;
        for (var i = 0; i < attempts.Length; i++, slot = _slots[slot].Next)
        {
            attempts[i] = TraceAt(slot, key);
        }
        return new StepHistory(key, attempts);
    }

    /// <summary>The latest attempt of an entry, without making the others.</summary>
    public StepTrace LatestAt(int entry) => TraceAt(_entries[entry].Last, KeyAt(entry));

    /// <summary>
    /// Where the last bar of any attempt ends, as a timeline draws it (a running attempt reaches <paramref name="now"/>,
    /// one without times sits at its start or the axis' origin), without making the attempts.
    /// </summary>
    public DateTimeOffset LatestBarEnd(DateTimeOffset origin, DateTimeOffset now)
    {
        var latest = origin.UtcTicks;
        for (var entry = 0; entry < Count; entry++)
        {
            for (var slot = _entries[entry].First; slot != None; slot = _slots[slot].Next)
            {
                ref var row = ref _slots[slot];
                var end = (row.Flags & SlotFlags.Unusual) != 0 ? BarEnd(_unusual[slot], origin, now).UtcTicks
                    : row.Completed != 0 ? row.Completed
                    : row.Status == (byte)StepStatus.Running ? now.UtcTicks
                    : row.Started != 0 ? row.Started
                    : origin.UtcTicks;
                latest = Math.Max(latest, Math.Max(end, row.Started));
            }
        }
        return new DateTimeOffset(latest, TimeSpan.Zero);
    }

    /// <summary>
    /// When the earliest attempt started (or ended, without a start), without making the attempts; null when none has a
    /// time.
    /// </summary>
    public DateTimeOffset? EarliestStart()
    {
        var earliest = long.MaxValue;
        for (var entry = 0; entry < Count; entry++)
        {
            for (var slot = _entries[entry].First; slot != None; slot = _slots[slot].Next)
            {
                ref var row = ref _slots[slot];
                var start = (row.Flags & SlotFlags.Unusual) != 0 ? (StartOf(_unusual[slot])?.UtcTicks ?? 0)
                    : row.Started != 0 ? row.Started
                    : row.Completed;
                if (start != 0)
                {
                    earliest = Math.Min(earliest, start);
                }
            }
        }
        return earliest == long.MaxValue ? null : new DateTimeOffset(earliest, TimeSpan.Zero);
    }

    /// <summary>Where an attempt's bar starts: its start, or its end when it has no start.</summary>
    internal static DateTimeOffset? StartOf(StepTrace attempt) => attempt.StartedAt ?? attempt.CompletedAt;

    internal static DateTimeOffset BarEnd(StepTrace attempt, DateTimeOffset origin, DateTimeOffset now)
    {
        var start = attempt.StartedAt ?? attempt.CompletedAt ?? origin;
        var end = attempt.CompletedAt ?? (attempt.Status == StepStatus.Running ? now : start);
        return end > start ? end : start;
    }

    /// <summary>The loop iterations of a step id, by loop index.</summary>
    public IEnumerable<int> Iterations(string stepId) =>
        _loops.TryGetValue(stepId, out var entries) ? entries.OrderBy(LoopOf) : [];

    /// <summary>Adds the history's entry, or replaces what it held with the history's attempts.</summary>
    public void Set(StepHistory history)
    {
        var index = IndexOf(history.Key);
        if (index < 0)
        {
            index = Add(history.Key);
        }
        var existing = _entries[index].Attempts;
        var slot = existing > 0 ? _entries[index].First : None;
        var previous = None;
        AttemptCount += history.Attempts.Count - existing;
        for (var i = 0; i < history.Attempts.Count; i++)
        {
            if (slot == None)
            {
                slot = NewSlot();
            }
            if (previous == None)
            {
                _entries[index].First = slot;
            }
            else
            {
                _slots[previous].Next = slot;
            }
            var next = i + 1 < existing ? _slots[slot].Next : None;
            Write(slot, previous, history.Attempts[i]);
            _slots[slot].Next = None;
            previous = slot;
            slot = next;
        }
        // Fewer attempts than before (a rolled-back batch): the slots left over are not used again.
        _entries[index].Last = previous;
        _entries[index].Attempts = history.Attempts.Count;
    }

    /// <summary>Gives back the room kept for growth (after a snapshot is read: most runs shown are not growing).</summary>
    public void TrimExcess()
    {
        Array.Resize(ref _entries, Math.Max(1, Count));
        Array.Resize(ref _slots, Math.Max(1, _slotCount));
        _text.TrimExcess();
    }

    /// <summary>Takes back the entry added last (a rolled-back batch).</summary>
    public void RemoveLast()
    {
        var index = Count - 1;
        ref var entry = ref _entries[index];
        AttemptCount -= entry.Attempts;
        var stepId = _text.Get(entry.Id);
        if (entry.Loop != NoLoop)
        {
            var loops = _loops[stepId];
            loops.RemoveAt(loops.Count - 1);
            if (loops.Count == 0)
            {
                _loops.Remove(stepId);
                DistinctStepIds -= IndexOf(new StepKey(stepId, null)) >= 0 ? 0 : 1;
            }
        }
        else
        {
            DistinctStepIds -= _loops.ContainsKey(stepId) ? 0 : 1;
        }
        _buckets[entry.Hash & (_buckets.Length - 1)] = entry.Next + 1;
        Count--;
    }

    private int? LoopOf(int entry) => _entries[entry].Loop == NoLoop ? null : _entries[entry].Loop;

    private int Add(StepKey key)
    {
        if (Count == _entries.Length)
        {
            Array.Resize(ref _entries, Count * 2);
        }
        if (Count * 2 >= _buckets.Length)
        {
            Rehash(_buckets.Length * 2);
        }
        var hash = Hash(key.StepId, key.LoopIndex);
        var index = Count++;
        ref var bucket = ref _buckets[hash & (_buckets.Length - 1)];
        _entries[index] = new Entry
        {
            Id = _text.Add(key.StepId),
            Loop = key.LoopIndex ?? NoLoop,
            Hash = hash,
            Next = bucket - 1,
            First = None,
            Last = None,
        };
        bucket = index + 1;
        if (key.LoopIndex is null)
        {
            DistinctStepIds += _loops.ContainsKey(key.StepId) ? 0 : 1;
        }
        else
        {
            if (!_loops.TryGetValue(key.StepId, out var loops))
            {
                _loops[key.StepId] = loops = [];
                DistinctStepIds += IndexOf(new StepKey(key.StepId, null)) >= 0 ? 0 : 1;
            }
            loops.Add(index);
        }
        return index;
    }

    private void Rehash(int size)
    {
        _buckets = new int[size];
        for (var i = 0; i < Count; i++)
        {
            ref var bucket = ref _buckets[_entries[i].Hash & (size - 1)];
            _entries[i].Next = bucket - 1;
            bucket = i + 1;
        }
    }

    private static int Hash(string stepId, int? loop) => HashCode.Combine(stepId.GetHashCode(StringComparison.Ordinal), loop ?? NoLoop);

    private int NewSlot()
    {
        if (_slotCount == _slots.Length)
        {
            Array.Resize(ref _slots, _slotCount * 2);
        }
        _slots[_slotCount] = new Slot { Next = None };
        return _slotCount++;
    }

    private void Write(int slot, int previous, StepTrace trace)
    {
        _errors.Remove(slot);
        _unusual.Remove(slot);
        var model = _labels.Of(trace.ModelUsed);
        var operation = _labels.Of(trace.Operation);
        if (IsUnusual(trace) || model == Labels.Full || operation == Labels.Full)
        {
            _unusual[slot] = trace with { InputContext = null, OutputContext = null, MappedOutput = null };
            _slots[slot] = new Slot { Next = _slots[slot].Next, Flags = SlotFlags.Unusual };
            return;
        }
        var flags = SlotFlags.None;
        if (trace.Truncated)
        {
            flags |= SlotFlags.Truncated;
        }
        if (trace.WillRetry is { } willRetry)
        {
            flags |= willRetry ? SlotFlags.WillRetry : SlotFlags.WontRetry;
        }
        if (trace.Tokens is not null)
        {
            flags |= SlotFlags.Tokens;
        }
        if (trace.CostUsd is not null)
        {
            flags |= SlotFlags.Cost;
        }
        if (trace.ErrorContext is { } error)
        {
            _errors[slot] = error.Data is null ? _sameErrors.TryGetValue(error, out var same) ? same : _sameErrors[error] = error : error;
        }
        _slots[slot] = new Slot
        {
            Next = _slots[slot].Next,
            Name = NameOf(trace.StepName, previous),
            StepIndex = trace.StepIndex ?? int.MinValue,
            Attempt = trace.Attempt,
            Status = (byte)trace.Status,
            Flags = flags,
            Started = trace.StartedAt?.UtcTicks ?? 0,
            Completed = trace.CompletedAt?.UtcTicks ?? 0,
            DurationMs = trace.DurationMs ?? long.MinValue,
            Model = model,
            Operation = operation,
            Prompt = (int)(trace.Tokens?.Prompt ?? 0),
            Cached = (int)(trace.Tokens?.Cached ?? 0),
            Completion = (int)(trace.Tokens?.Completion ?? 0),
            TotalTokens = (int)(trace.Tokens?.Total ?? 0),
            Cost = trace.CostUsd ?? 0,
            InputSize = (int)(trace.InputSizeBytes ?? None),
            OutputSize = (int)(trace.OutputSizeBytes ?? None),
            MappedSize = (int)(trace.MappedOutputSizeBytes ?? None),
            AttemptCount = trace.AttemptCount ?? int.MinValue,
        };
    }

    /// <summary>The same name as the attempt before it is not written again (retries rarely rename a step).</summary>
    private int NameOf(string? name, int previous)
    {
        if (name is null)
        {
            return None;
        }
        if (previous != None && _slots[previous].Name is var earlier and >= 0 && _text.Equals(earlier, name))
        {
            return earlier;
        }
        return _text.Add(name);
    }

    private static bool IsUnusual(StepTrace trace) =>
        trace.SkipReason is not null
        || trace.TruncatedFields is not null
        || trace.StartedAt is { Offset.Ticks: not 0 }
        || trace.CompletedAt is { Offset.Ticks: not 0 }
        || trace.Tokens is { } tokens && (OutOfInt(tokens.Prompt) || OutOfInt(tokens.Cached) || OutOfInt(tokens.Completion) || OutOfInt(tokens.Total))
        || trace.InputSizeBytes is { } input && OutOfInt(input)
        || trace.OutputSizeBytes is { } output && OutOfInt(output)
        || trace.MappedOutputSizeBytes is { } mapped && OutOfInt(mapped)
        || trace.StepIndex == int.MinValue
        || trace.AttemptCount == int.MinValue
        || trace.DurationMs == long.MinValue
        || trace.StartedAt is { UtcTicks: 0 }
        || trace.CompletedAt is { UtcTicks: 0 };

    private static bool OutOfInt(long value) => value is < 0 or > int.MaxValue;

    private StepTrace TraceAt(int slot, StepKey key)
    {
        ref var row = ref _slots[slot];
        if ((row.Flags & SlotFlags.Unusual) != 0)
        {
            return _unusual[slot];
        }
        return new StepTrace
        {
            StepId = key.StepId,
            LoopIndex = key.LoopIndex,
            StepName = row.Name < 0 ? null : _text.Get(row.Name),
            Operation = _labels.Get(row.Operation),
            StepIndex = row.StepIndex == int.MinValue ? null : row.StepIndex,
            Attempt = row.Attempt,
            Status = (StepStatus)row.Status,
            StartedAt = row.Started == 0 ? null : new DateTimeOffset(row.Started, TimeSpan.Zero),
            CompletedAt = row.Completed == 0 ? null : new DateTimeOffset(row.Completed, TimeSpan.Zero),
            DurationMs = row.DurationMs == long.MinValue ? null : row.DurationMs,
            ModelUsed = _labels.Get(row.Model),
            Tokens = (row.Flags & SlotFlags.Tokens) == 0 ? null
                : new TokenBreakdown { Prompt = row.Prompt, Cached = row.Cached, Completion = row.Completion, Total = row.TotalTokens },
            CostUsd = (row.Flags & SlotFlags.Cost) == 0 ? null : row.Cost,
            ErrorContext = _errors.GetValueOrDefault(slot),
            InputSizeBytes = row.InputSize < 0 ? null : row.InputSize,
            OutputSizeBytes = row.OutputSize < 0 ? null : row.OutputSize,
            MappedOutputSizeBytes = row.MappedSize < 0 ? null : row.MappedSize,
            Truncated = (row.Flags & SlotFlags.Truncated) != 0,
            WillRetry = (row.Flags & SlotFlags.WillRetry) != 0 ? true : (row.Flags & SlotFlags.WontRetry) != 0 ? false : null,
            AttemptCount = row.AttemptCount == int.MinValue ? null : row.AttemptCount,
        };
    }

    private struct Entry
    {
        public int Id;
        public int Loop;
        public int Hash;

        /// <summary>The next entry in the same hash bucket, or -1.</summary>
        public int Next;
        public int First;
        public int Last;
        public int Attempts;
    }

    [StructLayout(LayoutKind.Auto)]
    private struct Slot
    {
        public decimal Cost;
        public long Started;
        public long Completed;
        public long DurationMs;

        /// <summary>The entry's next attempt, or -1.</summary>
        public int Next;
        public int Name;
        public int StepIndex;
        public int Attempt;
        public int Prompt;
        public int Cached;
        public int Completion;
        public int TotalTokens;
        public int InputSize;
        public int OutputSize;
        public int MappedSize;

        /// <summary>As the snapshot gave it (on each entry's latest attempt), or <see cref="int.MinValue"/>.</summary>
        public int AttemptCount;
        public short Model;
        public short Operation;
        public byte Status;
        public SlotFlags Flags;
    }

    [Flags]
    private enum SlotFlags : byte
    {
        None = 0,
        Unusual = 1,
        Truncated = 2,
        WillRetry = 4,
        WontRetry = 8,
        Tokens = 16,
        Cost = 32,
    }

    /// <summary>Strings as UTF-8, one after another, each after its length.</summary>
    private sealed class Utf8Text
    {
        private byte[] _bytes = new byte[1024];
        private int _length;

        public int Add(string value)
        {
            var size = System.Text.Encoding.UTF8.GetByteCount(value);
            if (_length + size + 4 > _bytes.Length)
            {
                Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _length + size + 4));
            }
            var offset = _length;
            BitConverter.TryWriteBytes(_bytes.AsSpan(offset), size);
            System.Text.Encoding.UTF8.GetBytes(value, _bytes.AsSpan(offset + 4));
            _length += size + 4;
            return offset;
        }

        public void TrimExcess() => Array.Resize(ref _bytes, Math.Max(1, _length));

        public string Get(int offset) => System.Text.Encoding.UTF8.GetString(Bytes(offset));

        public bool Equals(int offset, string value)
        {
            var stored = Bytes(offset);
            if (stored.Length < value.Length || stored.Length > value.Length * 3)
            {
                return false;
            }
            Span<byte> buffer = stored.Length <= 256 ? stackalloc byte[stored.Length] : new byte[stored.Length];
            return System.Text.Encoding.UTF8.TryGetBytes(value, buffer, out var written) && written == stored.Length && buffer.SequenceEqual(stored);
        }

        private ReadOnlySpan<byte> Bytes(int offset) => _bytes.AsSpan(offset + 4, BitConverter.ToInt32(_bytes, offset));
    }

    /// <summary>Models and operations: a run names few, so each is a number.</summary>
    private sealed class Labels
    {
        /// <summary>Past this many distinct labels the run is not what this store is shaped for: its attempts are kept whole.</summary>
        public const short Full = -2;

        private readonly List<string> _values = [];
        private readonly Dictionary<string, short> _index = new(StringComparer.Ordinal);

        public short Of(string? value)
        {
            if (value is null)
            {
                return -1;
            }
            if (!_index.TryGetValue(value, out var index))
            {
                if (_values.Count == short.MaxValue)
                {
                    return Full;
                }
                index = (short)_values.Count;
                _values.Add(value);
                _index[value] = index;
            }
            return index;
        }

        public string? Get(short index) => index < 0 ? null : _values[index];
    }
}
