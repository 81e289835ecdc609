namespace Dashboard.Runs.Storage;

/// <summary>
/// The runs service's own tables (projections, insights aggregates), kept by the store that keeps the streams so that a
/// batch's rows and its events are one transaction. One implementation per storage provider.
/// </summary>
internal interface IRunRowStore
{
    /// <summary>At start: the tables exist at the version this code knows, older files are brought up to it.</summary>
    void Ensure();

    /// <summary>
    /// Called from inside the stream append's transaction hook (<see cref="Streams.Core.AppendRequest.InTransaction"/>):
    /// stores <paramref name="rows"/> in that transaction. <paramref name="offset"/> is the run stream's new tail.
    /// </summary>
    void Write(RunRows rows, string offset);

    /// <summary>Up to <paramref name="limit"/> runs that have ended and started before <paramref name="before"/>, oldest first.</summary>
    IReadOnlyList<string> EndedBefore(DateTimeOffset before, int limit);

    /// <summary>Removes a run's rows; called inside the store's write transaction that deletes its stream.</summary>
    void Delete(string runId);
}
