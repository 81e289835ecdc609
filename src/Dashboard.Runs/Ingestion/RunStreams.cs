using System.Text;
using Dashboard.Streams.Core;

namespace Dashboard.Runs.Ingestion;

/// <summary>Where runs live among the streams, and how a stored event is served with its offset.</summary>
public static class RunStreams
{
    /// <summary>The all-runs feed of <see cref="Dashboard.Model.Runs.RunChange"/> entries.</summary>
    public const string FeedPath = "/runs-feed";

    /// <summary>Outside <c>/v1/stream</c>, so the generic endpoints can neither read nor write a run's stream.</summary>
    public static string PathOf(string runId) => "/runs/" + Uri.EscapeDataString(runId);

    /// <summary>Adds <c>"offset"</c> (the position after the event, where a reader resumes) as the first field.</summary>
    public static ReadOnlyMemory<byte> WithOffset(ReadOnlyMemory<byte> message, StreamOffset end) => WithField(message, "offset", end);

    /// <summary>The feed's entries carry <c>"feedOffset"</c>, their own offset in the feed.</summary>
    public static ReadOnlyMemory<byte> WithFeedOffset(ReadOnlyMemory<byte> message, StreamOffset end) => WithField(message, "feedOffset", end);

    private static ReadOnlyMemory<byte> WithField(ReadOnlyMemory<byte> message, string name, StreamOffset end)
    {
        var span = message.Span;
        if (span.Length < 2 || span[0] != (byte)'{')
        {
            return message;
        }
        var prefix = Encoding.UTF8.GetBytes($"{{\"{name}\":\"{end}\"{(span.Length > 2 && span[1] != (byte)'}' ? "," : "")}");
        var result = new byte[prefix.Length + span.Length - 1];
        prefix.CopyTo(result, 0);
        span[1..].CopyTo(result.AsSpan(prefix.Length));
        return result;
    }
}
