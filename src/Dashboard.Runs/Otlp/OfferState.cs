namespace Dashboard.Runs.Otlp;

/// <summary>Where a waiting OTLP log record stands in the store's offers (<see cref="OtlpContentOffers"/>).</summary>
internal enum OfferState
{
    /// <summary>Not in the store: in this instance's memory alone (the store could not take it).</summary>
    None,

    /// <summary>Offered to every instance: this one owns it only once it has taken the offer.</summary>
    Offered,

    /// <summary>
    /// Taken by this instance: it owns the record, and the offer's row stays (marked taken) until the transaction that
    /// uses, parks or drops the record deletes it, so a kill before that loses nothing: the row comes back as an orphan.
    /// </summary>
    Taken,
}
