using Dashboard.Streams.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Dashboard.Streams.Http;

/// <summary>Turns protocol headers and query values into typed values, or the reason they are malformed (a 400).</summary>
public static class StreamRequestReader
{
    public static string? Single(IHeaderDictionary headers, string name) =>
        headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    public static bool IsTrue(IHeaderDictionary headers, string name) =>
        string.Equals(Single(headers, name), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The offset of a read: null means the tail (<c>now</c>); a missing parameter means the start.</summary>
    public static bool TryReadOffset(IQueryCollection query, out StreamOffset? offset, out bool present, out string? error)
    {
        offset = StreamOffset.Zero;
        error = null;
        present = query.TryGetValue("offset", out var values);
        if (!present)
        {
            return true;
        }
        if (values.Count != 1)
        {
            error = "Give one offset.";
            return false;
        }
        var text = values[0];
        switch (text)
        {
            case StreamOffset.Beginning:
                return true;
            case StreamOffset.Now:
                offset = null;
                return true;
        }
        if (StreamOffset.TryParse(text, out var parsed))
        {
            offset = parsed;
            return true;
        }
        error = "Malformed offset.";
        return false;
    }

    /// <summary>The longest <c>Producer-Id</c> taken.</summary>
    public const int MaxProducerIdLength = 256;

    /// <summary>The longest stream path taken, in UTF-8 bytes (prefix included).</summary>
    public const int MaxPathBytes = 1024;

    public static bool TryReadProducer(IHeaderDictionary headers, out ProducerClaim? producer, out string? error)
    {
        producer = null;
        error = null;
        var id = Single(headers, StreamHeaders.ProducerId);
        var epoch = Single(headers, StreamHeaders.ProducerEpoch);
        var seq = Single(headers, StreamHeaders.ProducerSeq);
        if (id is null && epoch is null && seq is null)
        {
            return true;
        }
        if (id is null || epoch is null || seq is null)
        {
            error = "Producer-Id, Producer-Epoch and Producer-Seq go together.";
            return false;
        }
        if (id.Length == 0)
        {
            error = "Producer-Id must not be empty.";
            return false;
        }
        if (id.Length > MaxProducerIdLength)
        {
            // It is a key of the stream's producers: PostgreSQL's index refuses one of a few thousand characters (a 500).
            error = $"Producer-Id is at most {MaxProducerIdLength} characters (got {id.Length}).";
            return false;
        }
        if (!HeaderValues.TryParseProducerInteger(epoch, out var epochValue) || !HeaderValues.TryParseProducerInteger(seq, out var seqValue))
        {
            error = "Producer-Epoch and Producer-Seq must be non-negative integers.";
            return false;
        }
        producer = new ProducerClaim(id, epochValue, seqValue);
        return true;
    }

    /// <summary>
    /// Reads the whole body, refusing more than <paramref name="limit"/> bytes (null when over). An oversized body is
    /// still read and dropped up to a bound, so that the client receives the 413 instead of a reset connection.
    /// </summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpContext context, long limit)
    {
        var drainLimit = limit * 4;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = drainLimit + 1;
        }
        var request = context.Request;
        if (request.ContentLength > limit)
        {
            if (request.ContentLength <= drainLimit)
            {
                await DrainAsync(request.Body, context.RequestAborted);
            }
            return null;
        }
        if (request.ContentLength is { } known)
        {
            // The common case: read straight into an array of the announced size.
            var exact = new byte[known];
            var filled = 0;
            while (filled < exact.Length)
            {
                var n = await request.Body.ReadAsync(exact.AsMemory(filled), context.RequestAborted);
                if (n == 0)
                {
                    break;
                }
                filled += n;
            }
            return filled == exact.Length ? exact : exact[..filled];
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                await DrainAsync(request.Body, context.RequestAborted);
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static async Task DrainAsync(Stream body, CancellationToken cancellationToken)
    {
        var sink = new byte[65536];
        try
        {
            while (await body.ReadAsync(sink, cancellationToken) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is IOException or BadHttpRequestException)
        {
            // Past the drain bound the server gives up on the body; the 413 still goes out if it can.
        }
    }

    /// <summary>Stream-Forked-From may be a path or a full URL; streams are keyed by path.</summary>
    public static string SourcePath(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri.AbsolutePath
            : value;
}
