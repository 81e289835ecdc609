namespace Dashboard.Runs.Otlp;

/// <summary>
/// What a trace export stores beside its run's events, in the same transaction: the step each of its spans became, and
/// (when the run's end is held open for late log records) the end to append later.
/// </summary>
internal sealed record OtlpRows(string TraceId, IReadOnlyList<KeyValuePair<string, OtlpTraceIndex.SpanStep>> Spans, OtlpHeldEnd? End);

/// <summary>
/// A run's end held back (<see cref="OtlpRunEnds"/>): its terminal event as stored JSON, when it is due, and the key and
/// root span its trace came with (what waits for the trace is taken in with it).
/// </summary>
internal sealed record OtlpHeldEnd(DateTimeOffset DueAt, string Caller, string? RootSpan, string EventJson);
