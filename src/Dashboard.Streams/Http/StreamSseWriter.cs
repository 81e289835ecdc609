using System.Text;
using System.Text.Json;
using Dashboard.Streams.Core;
using Dashboard.Streams.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Dashboard.Streams.Http;

/// <summary>
/// <c>live=sse</c>: each chunk of data is an <c>event: data</c> followed by an <c>event: control</c> carrying the next
/// offset; text is split into <c>data:</c> lines (so no payload can forge an event), anything else is base64.
/// </summary>
public static class StreamSseWriter
{
    private static readonly byte[] DataEvent = "event: data\n"u8.ToArray();
    private static readonly byte[] ControlEvent = "event: control\ndata:"u8.ToArray();
    private static readonly byte[] DataPrefix = "data:"u8.ToArray();
    private static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();

    public static async Task WriteAsync(HttpContext context, DurableStreamEngine engine, StreamsOptions options, string path, StreamOffset? from, string cursor, MessageTransform? transform = null, Func<HttpContext, int, string, Task>? fail = null)
    {
        var response = context.Response;
        var first = engine.Read(path, from, new ReadLimits(options.ReadChunkBytes));
        if (first.Status != StreamStatus.Ok)
        {
            var status = first.Status switch
            {
                StreamStatus.NotFound => 404,
                StreamStatus.Gone => 410,
                _ => 400,
            };
            if (fail is not null)
            {
                await fail(context, status, first.Error ?? "");
                return;
            }
            response.StatusCode = status;
            await response.WriteAsync(first.Error ?? "");
            return;
        }

        var binary = !StreamContentType.IsText(first.Stream!.ContentType);
        response.StatusCode = 200;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        if (binary)
        {
            response.Headers[StreamHeaders.SseDataEncoding] = "base64";
        }
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var aborted = context.RequestAborted;
        var recycleAt = DateTimeOffset.UtcNow.AddMilliseconds(options.SseRecycleMs);
        var position = first.From;
        var read = first;
        // The stream's next change, when it was taken before `read` was made: an up-to-date read then needs no second
        // read to learn that nothing came between them, only a wait.
        Task? change = null;
        var sentUpToDate = false;
        try
        {
            while (!aborted.IsCancellationRequested)
            {
                if (read.Status != StreamStatus.Ok)
                {
                    return;
                }
                // A data event and its control event go out in one write: a reader never holds one without the other.
                var frame = new MemoryStream();
                if (read.HasData)
                {
                    WriteData(frame, read, binary, transform);
                    position = read.Next;
                }
                if (read.HasData || !sentUpToDate || read.Closed)
                {
                    WriteControl(frame, read, cursor);
                    sentUpToDate = read.UpToDate;
                }
                if (frame.Length > 0)
                {
                    await response.Body.WriteAsync(frame.GetBuffer().AsMemory(0, (int)frame.Length), aborted);
                }
                await response.Body.FlushAsync(aborted);
                if (read.Closed)
                {
                    return;
                }

                var limits = new ReadLimits(options.ReadChunkBytes);
                if (!read.UpToDate)
                {
                    change = null;
                    read = engine.Read(path, position, limits);
                    continue;
                }
                if (change is null)
                {
                    change = engine.Notifier.NextChange(path);
                    read = await engine.ReadAfterAsync(change, path, position, limits);
                    if (read.HasData || read.Status != StreamStatus.Ok || read.Closed)
                    {
                        continue;
                    }
                }
                var untilRecycle = recycleAt - DateTimeOffset.UtcNow;
                if (untilRecycle <= TimeSpan.Zero)
                {
                    return;
                }
                var wait = TimeSpan.FromMilliseconds(Math.Min(options.SseHeartbeatMs, untilRecycle.TotalMilliseconds));
                if (!await ChangeWait.WithinAsync(change, wait, TimeProvider.System, aborted))
                {
                    // Nothing changed: the read in hand is still the tail's; a heartbeat, and wait on the same change.
                    if (!aborted.IsCancellationRequested)
                    {
                        await response.Body.WriteAsync(Heartbeat, aborted);
                        await response.Body.FlushAsync(aborted);
                    }
                    if (read.Stream is { TtlSeconds: not null })
                    {
                        // A stream with a TTL: each read renews it, and a reader at its tail keeps it alive.
                        change = engine.Notifier.NextChange(path);
                        read = await engine.ReadAfterAsync(change, path, position, limits);
                        continue;
                    }
                    read = read with { Messages = [], MessageEnds = [], From = position, Next = position };
                    continue;
                }
                change = engine.Notifier.NextChange(path);
                read = await engine.ReadAfterAsync(change, path, position, limits);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    private static void WriteData(MemoryStream buffer, StreamRead read, bool binary, MessageTransform? transform)
    {
        buffer.Write(DataEvent);
        var bytes = read.Body(transform);
        if (binary)
        {
            buffer.Write(DataPrefix);
            buffer.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(bytes)));
            buffer.WriteByte((byte)'\n');
        }
        else
        {
            // Every CR, LF or CRLF in the payload starts a new data: line, so the payload can never end the event.
            var text = Encoding.UTF8.GetString(bytes);
            var start = 0;
            for (var i = 0; i <= text.Length; i++)
            {
                if (i < text.Length && text[i] != '\r' && text[i] != '\n')
                {
                    continue;
                }
                buffer.Write(DataPrefix);
                buffer.Write(Encoding.UTF8.GetBytes(text, start, i - start));
                buffer.WriteByte((byte)'\n');
                if (i < text.Length - 1 && text[i] == '\r' && text[i + 1] == '\n')
                {
                    i++;
                }
                start = i + 1;
            }
        }
        buffer.WriteByte((byte)'\n');
    }

    private static void WriteControl(MemoryStream buffer, StreamRead read, string cursor)
    {
        buffer.Write(ControlEvent);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("streamNextOffset", read.Next.ToString());
            if (!read.Closed)
            {
                json.WriteString("streamCursor", cursor);
            }
            if (read.UpToDate)
            {
                json.WriteBoolean("upToDate", true);
            }
            if (read.Closed)
            {
                json.WriteBoolean("streamClosed", true);
            }
            json.WriteEndObject();
        }
        buffer.Write("\n\n"u8);
    }
}
