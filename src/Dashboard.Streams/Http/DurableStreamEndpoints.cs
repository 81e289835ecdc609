using System.Globalization;
using Dashboard.Streams.Core;
using Dashboard.Streams.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Dashboard.Streams.Http;

/// <summary>The Durable Streams HTTP protocol over <see cref="DurableStreamEngine"/>: every stream URL under a prefix.</summary>
public static class DurableStreamEndpoints
{
    private static readonly string ExposedHeaders = string.Join(", ", [.. StreamHeaders.All, "ETag", "Location"]);
    private static readonly string AllowedHeaders = string.Join(", ", [.. StreamHeaders.All, "Content-Type", "If-None-Match", "Authorization"]);

    /// <summary>Serves the generic streams at <c>{prefix}/{**path}</c> (the conformance suite uses <c>/v1/stream</c>).</summary>
    public static IEndpointConventionBuilder MapDurableStreams(this IEndpointRouteBuilder routes, string prefix = "/v1/stream") =>
        routes.Map(prefix.TrimEnd('/') + "/{**path}", HandleAsync).WithDisplayName("Durable Streams");

    private static async Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        AddBrowserHeaders(response);
        var path = context.Request.Path.Value ?? "";
        if (path.Contains("/../", StringComparison.Ordinal) || path.EndsWith("/..", StringComparison.Ordinal) || path.EndsWith('/'))
        {
            await PlainAsync(response, StatusCodes.Status400BadRequest, "Invalid stream path.");
            return;
        }
        if (System.Text.Encoding.UTF8.GetByteCount(path) > StreamRequestReader.MaxPathBytes)
        {
            // A path is a key of the streams: PostgreSQL's index refuses one of a few thousand bytes (a 500 there), and no
            // store should hold what the other refuses.
            await PlainAsync(response, StatusCodes.Status400BadRequest, $"A stream path is at most {StreamRequestReader.MaxPathBytes} bytes (UTF-8).");
            return;
        }

        var services = context.RequestServices;
        var engine = services.GetRequiredService<DurableStreamEngine>();
        var options = services.GetRequiredService<IOptions<StreamsOptions>>().Value;
        switch (context.Request.Method)
        {
            case "PUT":
                await CreateAsync(context, engine, options, path);
                break;
            case "POST":
                await AppendAsync(context, engine, options, path);
                break;
            case "GET":
                await StreamReadEndpoint.HandleAsync(context, engine, options, path);
                break;
            case "HEAD":
                Head(context, engine, path);
                break;
            case "DELETE":
                await DeleteAsync(context, engine, path);
                break;
            case "OPTIONS":
                Preflight(context);
                break;
            default:
                response.Headers.Allow = "GET, HEAD, PUT, POST, DELETE, OPTIONS";
                await PlainAsync(response, StatusCodes.Status405MethodNotAllowed, "Method not allowed.");
                break;
        }
    }

    private static async Task CreateAsync(HttpContext context, DurableStreamEngine engine, StreamsOptions options, string path)
    {
        var headers = context.Request.Headers;
        var ttlText = StreamRequestReader.Single(headers, StreamHeaders.Ttl);
        var expiresText = StreamRequestReader.Single(headers, StreamHeaders.ExpiresAt);
        long? ttl = null;
        DateTimeOffset? expiresAt = null;
        if (ttlText is not null && expiresText is not null)
        {
            await PlainAsync(context.Response, 400, "Give Stream-TTL or Stream-Expires-At, not both.");
            return;
        }
        if (ttlText is not null)
        {
            if (!HeaderValues.TryParseCanonicalInteger(ttlText, out var parsedTtl))
            {
                await PlainAsync(context.Response, 400, "Stream-TTL must be a non-negative integer number of seconds.");
                return;
            }
            ttl = parsedTtl;
        }
        if (expiresText is not null)
        {
            if (!HeaderValues.TryParseRfc3339(expiresText, out var parsedExpiry))
            {
                await PlainAsync(context.Response, 400, "Stream-Expires-At must be an RFC 3339 timestamp.");
                return;
            }
            expiresAt = parsedExpiry;
        }

        StreamOffset? forkOffset = null;
        if (StreamRequestReader.Single(headers, StreamHeaders.ForkOffset) is { } forkOffsetText)
        {
            if (forkOffsetText == StreamOffset.Beginning)
            {
                forkOffset = StreamOffset.Zero;
            }
            else if (forkOffsetText != StreamOffset.Now)
            {
                if (!StreamOffset.TryParse(forkOffsetText, out var parsedOffset))
                {
                    await PlainAsync(context.Response, 400, "Malformed Stream-Fork-Offset.");
                    return;
                }
                forkOffset = parsedOffset;
            }
        }
        long? subOffset = null;
        if (StreamRequestReader.Single(headers, StreamHeaders.ForkSubOffset) is { } subText)
        {
            if (!HeaderValues.TryParseCanonicalInteger(subText, out var parsedSub))
            {
                await PlainAsync(context.Response, 400, "Stream-Fork-Sub-Offset must be a non-negative integer.");
                return;
            }
            subOffset = parsedSub;
        }

        var body = await StreamRequestReader.ReadBodyAsync(context, options.MaxAppendBytes);
        if (body is null)
        {
            await PlainAsync(context.Response, 413, "The body is larger than this server accepts.");
            return;
        }
        var forkedFrom = StreamRequestReader.Single(headers, StreamHeaders.ForkedFrom);
        var result = await engine.CreateAsync(new CreateStreamRequest
        {
            Path = path,
            ContentType = context.Request.ContentType,
            TtlSeconds = ttl,
            ExpiresAt = expiresAt,
            Closed = StreamRequestReader.IsTrue(headers, StreamHeaders.Closed),
            ForkedFrom = forkedFrom is null ? null : StreamRequestReader.SourcePath(forkedFrom),
            ForkOffset = forkOffset,
            ForkSubOffset = subOffset,
            Body = body,
        });

        var response = context.Response;
        if (result.Status is StreamStatus.Created or StreamStatus.Ok)
        {
            var stream = result.Stream!;
            response.StatusCode = result.Status == StreamStatus.Created ? 201 : 200;
            if (result.Status == StreamStatus.Created)
            {
                var request = context.Request;
                response.Headers.Location = $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}";
            }
            response.ContentType = stream.ContentType;
            SetOffsetHeaders(response, result.NextOffset!.Value, result.Closed);
            return;
        }
        await FailAsync(response, result);
    }

    private static async Task AppendAsync(HttpContext context, DurableStreamEngine engine, StreamsOptions options, string path)
    {
        var headers = context.Request.Headers;
        if (!StreamRequestReader.TryReadProducer(headers, out var producer, out var producerError))
        {
            await PlainAsync(context.Response, 400, producerError!);
            return;
        }
        var body = await StreamRequestReader.ReadBodyAsync(context, options.MaxAppendBytes);
        if (body is null)
        {
            await PlainAsync(context.Response, 413, "The body is larger than this server accepts.");
            return;
        }
        var result = await engine.AppendAsync(new AppendRequest
        {
            Path = path,
            ContentType = string.IsNullOrEmpty(context.Request.ContentType) ? null : context.Request.ContentType,
            Body = body,
            Close = StreamRequestReader.IsTrue(headers, StreamHeaders.Closed),
            StreamSeq = StreamRequestReader.Single(headers, StreamHeaders.Seq),
            Producer = producer,
        });

        var response = context.Response;
        if (result.ProducerEpoch is { } epoch)
        {
            response.Headers[StreamHeaders.ProducerEpoch] = epoch.ToString(CultureInfo.InvariantCulture);
        }
        if (result.ProducerSeq is { } seq)
        {
            response.Headers[StreamHeaders.ProducerSeq] = seq.ToString(CultureInfo.InvariantCulture);
        }
        if (result.Status is StreamStatus.Ok or StreamStatus.NoContent)
        {
            response.StatusCode = result.Status == StreamStatus.Ok ? 200 : 204;
            SetOffsetHeaders(response, result.NextOffset!.Value, result.Closed);
            return;
        }
        if (result.ProducerExpectedSeq is { } expected)
        {
            response.Headers[StreamHeaders.ProducerExpectedSeq] = expected.ToString(CultureInfo.InvariantCulture);
            response.Headers[StreamHeaders.ProducerReceivedSeq] = result.ProducerReceivedSeq!.Value.ToString(CultureInfo.InvariantCulture);
        }
        else if (result.Status == StreamStatus.Conflict && result.Closed)
        {
            SetOffsetHeaders(response, result.NextOffset!.Value, closed: true);
        }
        await FailAsync(response, result);
    }

    private static void Head(HttpContext context, DurableStreamEngine engine, string path)
    {
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        var result = engine.Head(path);
        if (result.Status != StreamStatus.Ok)
        {
            response.StatusCode = StatusOf(result.Status);
            return;
        }
        var stream = result.Stream!;
        response.ContentType = stream.ContentType;
        SetOffsetHeaders(response, stream.TailOffset, stream.Closed);
        if (stream.TtlSeconds is { } ttl)
        {
            response.Headers[StreamHeaders.Ttl] = ttl.ToString(CultureInfo.InvariantCulture);
        }
        if (stream.ExpiresAt is { } expiresAt)
        {
            response.Headers[StreamHeaders.ExpiresAt] = HeaderValues.FormatRfc3339(expiresAt);
        }
    }

    private static async Task DeleteAsync(HttpContext context, DurableStreamEngine engine, string path)
    {
        var result = engine.Delete(path);
        if (result.Status == StreamStatus.NoContent)
        {
            context.Response.StatusCode = 204;
            return;
        }
        await FailAsync(context.Response, result);
    }

    private static void Preflight(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = 204;
        response.Headers.AccessControlAllowMethods = "GET, HEAD, PUT, POST, DELETE, OPTIONS";
        var requested = context.Request.Headers.AccessControlRequestHeaders.ToString();
        response.Headers.AccessControlAllowHeaders = string.IsNullOrEmpty(requested) ? AllowedHeaders : $"{AllowedHeaders}, {requested}";
        response.Headers.AccessControlMaxAge = "86400";
    }

    internal static void AddBrowserHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Cross-Origin-Resource-Policy"] = "cross-origin";
        headers.AccessControlAllowOrigin = "*";
        headers.AccessControlExposeHeaders = ExposedHeaders;
    }

    public static void SetOffsetHeaders(HttpResponse response, StreamOffset next, bool closed, bool upToDate = false)
    {
        response.Headers[StreamHeaders.NextOffset] = next.ToString();
        if (upToDate || closed)
        {
            response.Headers[StreamHeaders.UpToDate] = "true";
        }
        if (closed)
        {
            response.Headers[StreamHeaders.Closed] = "true";
        }
    }

    private static Task FailAsync(HttpResponse response, StreamResult result) =>
        PlainAsync(response, StatusOf(result.Status), result.Error ?? "");

    internal static int StatusOf(StreamStatus status) => status switch
    {
        StreamStatus.Ok => 200,
        StreamStatus.Created => 201,
        StreamStatus.NoContent => 204,
        StreamStatus.BadRequest => 400,
        StreamStatus.NotFound => 404,
        StreamStatus.Gone => 410,
        StreamStatus.Conflict => 409,
        StreamStatus.Forbidden => 403,
        _ => 500,
    };

    internal static async Task PlainAsync(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        await response.WriteAsync(message);
    }
}
