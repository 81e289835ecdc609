namespace Dashboard.Runs.Otlp;

/// <summary>
/// What OTLP intake stores beside its run's events, in the same transaction: the step each of a trace export's spans
/// became, (when the run's end is held open for late log records) the end to append later, and the offers of the log
/// records that go in with the events, deleted as they do (<see cref="OfferState.Taken"/>).
/// </summary>
internal sealed record OtlpRows(string TraceId, IReadOnlyList<KeyValuePair<string, OtlpTraceIndex.SpanStep>> Spans, OtlpHeldEnd? End)
{
    /// <summary>Keys of the offers (taken by this instance) of the log records these events hold.</summary>
    public IReadOnlyList<string> UsedOffers { get; init; } = [];

    /// <summary>No spans or end: only the offers of the log records that go in.</summary>
    public static OtlpRows Using(IReadOnlyList<string> usedOffers) => new("", [], null) { UsedOffers = usedOffers };
}

/// <summary>
/// A run's end held back (<see cref="OtlpRunEnds"/>): its terminal event as stored JSON, when it is due, and the key and
/// root span its trace came with (what waits for the trace is taken in with it).
/// </summary>
internal sealed record OtlpHeldEnd(DateTimeOffset DueAt, string Caller, string? RootSpan, string EventJson);
