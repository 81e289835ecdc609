namespace Dashboard.Streams.Core;

/// <summary>Header and query names of the Durable Streams protocol.</summary>
public static class StreamHeaders
{
    public const string NextOffset = "Stream-Next-Offset";
    public const string UpToDate = "Stream-Up-To-Date";
    public const string Cursor = "Stream-Cursor";
    public const string Closed = "Stream-Closed";
    public const string Seq = "Stream-Seq";
    public const string Ttl = "Stream-TTL";
    public const string ExpiresAt = "Stream-Expires-At";
    public const string ForkedFrom = "Stream-Forked-From";
    public const string ForkOffset = "Stream-Fork-Offset";
    public const string ForkSubOffset = "Stream-Fork-Sub-Offset";
    public const string SseDataEncoding = "Stream-SSE-Data-Encoding";
    public const string ProducerId = "Producer-Id";
    public const string ProducerEpoch = "Producer-Epoch";
    public const string ProducerSeq = "Producer-Seq";
    public const string ProducerExpectedSeq = "Producer-Expected-Seq";
    public const string ProducerReceivedSeq = "Producer-Received-Seq";

    /// <summary>Every protocol header a browser client may send or read (for CORS).</summary>
    public static readonly string[] All =
    [
        NextOffset, UpToDate, Cursor, Closed, Seq, Ttl, ExpiresAt, ForkedFrom, ForkOffset, ForkSubOffset,
        SseDataEncoding, ProducerId, ProducerEpoch, ProducerSeq, ProducerExpectedSeq, ProducerReceivedSeq,
    ];
}
