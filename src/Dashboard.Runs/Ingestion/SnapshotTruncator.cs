using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Dashboard.Model.Events;
using Dashboard.Model.Runs;

namespace Dashboard.Runs.Ingestion;

/// <summary>
/// Payload snapshots over the limit are stored cut: the value becomes a JSON string of the first bytes of its JSON
/// text (cut on a character boundary) and the event's <c>truncated</c> map records the original size, so a viewer can
/// say "truncated at N of M bytes" instead of showing half a document as if it were whole.
/// </summary>
public sealed class SnapshotTruncator(int limitBytes)
{
    /// <summary>The event with its payloads over the limit cut; the same instance when none is (as almost every event).</summary>
    public RunEvent Apply(RunEvent e)
    {
        if (!Exceeds(e))
        {
            return e;
        }
        var truncated = new Dictionary<string, long>();
        var result = e switch
        {
            RunStarted started => started with { Input = Cut(started.Input, "input", truncated) },
            StepStarted started => started with { Input = Cut(started.Input, "input", truncated) },
            StepCompleted completed => completed with
            {
                Output = Cut(completed.Output, "output", truncated),
                MappedOutput = Cut(completed.MappedOutput, "mappedOutput", truncated),
            },
            StepFailed failed => failed with { Error = CutError(failed.Error, truncated) },
            RunCompleted completed => completed with { Result = Cut(completed.Result, "result", truncated) },
            RunFailed failed => failed with { Error = CutError(failed.Error, truncated) },
            RunTimedOut timedOut => timedOut with { Error = CutError(timedOut.Error, truncated) },
            _ => e,
        };
        return result with { Truncated = truncated };
    }

    /// <summary>Whether any payload of the event is over the limit.</summary>
    private bool Exceeds(RunEvent e) => e switch
    {
        RunStarted started => Over(started.Input),
        StepStarted started => Over(started.Input),
        StepCompleted completed => Over(completed.Output) || Over(completed.MappedOutput),
        StepFailed failed => Over(failed.Error?.Data),
        RunCompleted completed => Over(completed.Result),
        RunFailed failed => Over(failed.Error?.Data),
        RunTimedOut timedOut => Over(timedOut.Error?.Data),
        _ => false,
    };

    private bool Over(JsonElement? value) => value is { } element && JsonMarshal.GetRawUtf8Value(element).Length > limitBytes;

    private ErrorInfo? CutError(ErrorInfo? error, Dictionary<string, long> truncated) =>
        error?.Data is { } data ? error with { Data = Cut(data, "error.data", truncated) } : error;

    private JsonElement? Cut(JsonElement? value, string field, Dictionary<string, long> truncated)
    {
        if (value is not { } element)
        {
            return null;
        }
        var raw = JsonMarshal.GetRawUtf8Value(element);
        if (raw.Length <= limitBytes)
        {
            return value;
        }
        truncated[field] = raw.Length;
        var cut = limitBytes;
        // Never end inside a multi-byte character.
        while (cut > 0 && (raw[cut] & 0xC0) == 0x80)
        {
            cut--;
        }
        return JsonSerializer.SerializeToElement(Encoding.UTF8.GetString(raw[..cut]));
    }
}
