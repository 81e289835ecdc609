using Dashboard.Model.Reducing;

namespace Dashboard.Runs.Ingestion;

/// <summary>
/// About how many bytes a run's reducer state takes, worked out from counts the state keeps (nothing is walked: it is asked
/// at every batch). Measured on states built by the reducer and let go of their ended payloads, as the cache holds them:
/// 550 to 750 bytes an attempt (a step with a model, tokens, cost and small payloads), and about 53 more for each event
/// id remembered to find resends by (held as a hash: see <c>EventIdHash</c>). The payloads still held (running attempts'
/// inputs, the run's input and result) count as their text: each is at most the snapshot limit, but a run with hundreds of
/// attempts running at once holds hundreds of them.
/// </summary>
public static class RunStateSize
{
    public const long PerRun = 4 * 1024;
    public const long PerAttempt = 750;
    public const long PerEventId = 60;

    public static long Estimate(RunState state) =>
        PerRun + state.AttemptCount * PerAttempt + state.EventIdCount * PerEventId + state.HeldPayloadBytes + RecordPayloadBytes(state.Record);

    private static long RecordPayloadBytes(Dashboard.Model.Runs.RunRecord? record)
    {
        static long Of(System.Text.Json.JsonElement? value) =>
            value is { } v ? System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(v).Length : 0;
        return record is null ? 0 : Of(record.Input) + Of(record.Result);
    }
}
