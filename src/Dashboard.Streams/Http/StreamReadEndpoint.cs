using Dashboard.Streams.Core;
using Dashboard.Streams.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Streams.Http;

/// <summary>What another API changes when it serves a stream through <see cref="StreamReadEndpoint"/>.</summary>
public sealed record StreamReadHooks
{
    /// <summary>Writes an error in the caller's own format (status, message).</summary>
    public Func<HttpContext, int, string, Task>? Fail { get; init; }

    /// <summary>Rewrites each message as it is served.</summary>
    public MessageTransform? Transform { get; init; }

    /// <summary>Where to start instead of the <c>offset</c> parameter (after the caller resolved, say, <c>tail=N</c>).</summary>
    public StreamOffset? Start { get; init; }

    public ReadLimits? Limits { get; init; }
}

public static class StreamReadEndpoint
{
    /// <summary>
    /// Serves a GET on <paramref name="path"/>: catch-up, <c>live=long-poll</c> or <c>live=sse</c>, with ETags and the
    /// protocol headers. <paramref name="hooks"/> lets another API reuse it (its own errors, a message transform, a start).
    /// </summary>
    public static async Task HandleAsync(HttpContext context, DurableStreamEngine engine, StreamsOptions options, string path, StreamReadHooks? hooks = null)
    {
        Func<HttpResponse, int, string, Task> fail = hooks?.Fail is { } custom ? (r, status, message) => custom(r.HttpContext, status, message) : DurableStreamEndpoints.PlainAsync;
        var query = context.Request.Query;
        var response = context.Response;
        if (!StreamRequestReader.TryReadOffset(query, out var offset, out var offsetGiven, out var offsetError))
        {
            await fail(response, 400, offsetError!);
            return;
        }
        var live = query.TryGetValue("live", out var liveValues) ? liveValues.ToString() : null;
        if (live is not null && live is not ("long-poll" or "sse"))
        {
            await fail(response, 400, "live must be long-poll or sse.");
            return;
        }
        if (live is not null && !offsetGiven)
        {
            await fail(response, 400, "Live reads need an offset.");
            return;
        }
        if (hooks?.Start is { } start)
        {
            offset = start;
        }
        var limits = hooks?.Limits ?? new ReadLimits(options.ReadChunkBytes);
        var cursor = context.RequestServices.GetRequiredService<StreamCursor>();
        string? clientCursor = query.TryGetValue("cursor", out var cursorValues) ? cursorValues.ToString() : null;

        if (live == "sse")
        {
            await StreamSseWriter.WriteAsync(context, engine, options, path, offset, cursor.Next(clientCursor), hooks?.Transform, hooks?.Fail);
            return;
        }

        StreamRead read;
        if (live == "long-poll")
        {
            try
            {
                read = await engine.WaitAsync(path, offset, TimeSpan.FromMilliseconds(options.LongPollTimeoutMs), limits, context.RequestAborted);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                return;
            }
        }
        else
        {
            read = engine.Read(path, offset, limits);
        }
        if (read.Status != StreamStatus.Ok)
        {
            await fail(response, DurableStreamEndpoints.StatusOf(read.Status), read.Error ?? "");
            return;
        }

        var stream = read.Stream!;
        response.ContentType = stream.ContentType;
        if (live == "long-poll")
        {
            response.Headers[StreamHeaders.Cursor] = cursor.Next(clientCursor);
            if (!read.HasData)
            {
                response.StatusCode = 204;
                response.ContentType = null;
                DurableStreamEndpoints.SetOffsetHeaders(response, read.Next, read.Closed, upToDate: true);
                return;
            }
        }
        DurableStreamEndpoints.SetOffsetHeaders(response, read.Next, read.Closed, read.UpToDate);
        if (offset is null && live is null)
        {
            // offset=now: the tail itself, never cached.
            response.Headers.CacheControl = "no-store";
            await response.Body.WriteAsync(stream.IsJson ? "[]"u8.ToArray() : []);
            return;
        }

        var etag = $"\"{stream.Id}-{read.From.Position}-{read.Next.Position}{(read.Closed ? "-c" : "")}\"";
        response.Headers.ETag = etag;
        // A read that reached the tail changes as soon as the stream grows; only complete historical chunks are cacheable.
        response.Headers.CacheControl = read.UpToDate ? "no-store" : "private, max-age=60, stale-while-revalidate=300";
        if (context.Request.Headers.IfNoneMatch.Any(value => value == etag))
        {
            response.StatusCode = 304;
            response.ContentType = null;
            return;
        }
        var body = read.Body(hooks?.Transform);
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted);
    }

}
