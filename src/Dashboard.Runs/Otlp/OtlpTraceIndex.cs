using System.Collections.Concurrent;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// What this instance learnt from the spans it took in, for exports that do not repeat it: the run a trace went to,
/// and the step each span became, which a log record naming
/// the span joins. Bounded: each map keeps its newest entries and the generation before them, as a long-running
/// service sees traces without end.
/// </summary>
internal sealed class OtlpTraceIndex
{
    /// <summary>The step a span became (its attempt and loop iteration); a null step is the run's own (root) span.</summary>
    public sealed record SpanStep(string RunId, string? StepId, int? Attempt, int? LoopIndex);

    private readonly Generations<string> _runOfTrace;
    private readonly Generations<SpanStep> _stepOfSpan;

    public OtlpTraceIndex(int capacity = 50_000)
    {
        _runOfTrace = new(capacity);
        _stepOfSpan = new(capacity);
    }

    public void RememberRun(string traceId, string runId) => _runOfTrace.Set(traceId, runId);

    /// <summary>The run this trace's spans went to, or the trace id when none came here yet.</summary>
    public string RunOf(string traceId) => KnownRunOf(traceId) ?? traceId;

    public string? KnownRunOf(string traceId) => _runOfTrace.Get(traceId);

    // A span id is unique within its trace only.
    public void RememberSpan(string traceId, string spanId, SpanStep step) => _stepOfSpan.Set(traceId + spanId, step);

    public SpanStep? StepOf(string traceId, string spanId) => _stepOfSpan.Get(traceId + spanId);

    // Two dictionaries: writes go to the newer; when it is full it becomes the older and the older is dropped.
    private sealed class Generations<T>(int capacity) where T : class
    {
        private readonly object _gate = new();
        private ConcurrentDictionary<string, T> _newer = new(StringComparer.Ordinal);
        private ConcurrentDictionary<string, T> _older = new(StringComparer.Ordinal);

        public void Set(string key, T value)
        {
            lock (_gate)
            {
                if (_newer.Count >= capacity)
                {
                    _older = _newer;
                    _newer = new(StringComparer.Ordinal);
                }
                _newer[key] = value;
            }
        }

        public T? Get(string key) => _newer.TryGetValue(key, out var value) || _older.TryGetValue(key, out value) ? value : null;
    }
}
