using System.Text.Json;
using Dashboard.Model.Errors;
using Dashboard.Runs.Access;
using Dashboard.Runs.Api;
using Dashboard.Runs.Ingestion;
using Dashboard.Runs.Projections;
using Dashboard.Streams.Core;
using Dashboard.Streams.Hosting;
using Dashboard.Streams.Http;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs.Endpoints;

/// <summary>
/// A run's events as its Durable Stream (offset <c>-1</c>/<c>now</c>/X, <c>tail=N</c>, <c>live=long-poll|sse</c>), each
/// event carrying its <c>offset</c>; and the all-runs feed the same way.
/// </summary>
internal static class RunStreamEndpoints
{
    private static readonly StreamReadHooks FeedHooks = new() { Fail = ApiError.FromStreamStatusAsync, Transform = RunStreams.WithFeedOffset };

    public static void Map(RouteGroupBuilder api)
    {
        api.MapMethods("/runs/{runId}/events", ["GET", "HEAD"], EventsAsync).WithName("GetRunEvents")
            .WithSummary("The run's event stream (Durable Streams): offset=-1|now|X, tail=N, live=long-poll|sse.")
            .WithQuery([.. QueryParameter.StreamRead, new("tail", "The last N events (1-1000) instead of an offset.", Integer: true)]);
        api.MapGet("/runs/feed", FeedAsync).WithName("GetRunsFeed")
            .WithSummary("Changes of every run (one entry per reported batch), as a Durable Stream, for live lists.")
            .WithQuery([.. QueryParameter.StreamRead, new("tail", "With offset=-1: the last N changes (1-1000).", Integer: true)]);
    }

    private static async Task EventsAsync(HttpContext context, string runId, RunQueries queries, DurableStreamEngine engine, IOptions<StreamsOptions> options)
    {
        if (RunReadEndpoints.Visible(context, runId, queries) is null)
        {
            await ApiError.WriteAsync(context, 404, ErrorCodes.ResourceNotFound, "No run with this id.");
            return;
        }
        var path = RunStreams.PathOf(runId);
        if (HttpMethods.IsHead(context.Request.Method))
        {
            var head = engine.Head(path);
            context.Response.Headers.CacheControl = "no-store";
            if (head.Stream is { } stream)
            {
                context.Response.ContentType = stream.ContentType;
                DurableStreamEndpoints.SetOffsetHeaders(context.Response, stream.TailOffset, stream.Closed);
            }
            return;
        }

        StreamOffset? start = null;
        if (context.Request.Query.TryGetValue("tail", out var tailValues))
        {
            if (!int.TryParse(tailValues.ToString(), out var tail) || tail < 1)
            {
                await ApiError.WriteAsync(context, 400, ErrorCodes.InvalidInput, "tail must be a whole number, 1 or more.");
                return;
            }
            var offsetText = context.Request.Query["offset"].ToString();
            if (offsetText is "" or StreamOffset.Beginning)
            {
                start = TailStart(engine, path, tail);
            }
        }
        var hooks = new StreamReadHooks { Fail = ApiError.FromStreamStatusAsync, Transform = RunStreams.WithOffset, Start = start, Limits = new ReadLimits(options.Value.ReadChunkBytes, 1000) };
        await StreamReadEndpoint.HandleAsync(context, engine, options.Value, path, hooks);
    }

    private static async Task FeedAsync(HttpContext context, DurableStreamEngine engine, IOptions<StreamsOptions> options)
    {
        var caller = Caller.Of(context);
        if (!caller.Can(Caller.ReadScope))
        {
            await ApiError.WriteAsync(context, 403, ErrorCodes.AuthorizationError, "This key may not read runs.");
            return;
        }
        var hooks = caller.Workflows is null ? FeedHooks : FeedHooks with { Transform = ScopedFeed(caller) };
        if (context.Request.Query.TryGetValue("tail", out var tailValues))
        {
            if (!int.TryParse(tailValues.ToString(), out var tail) || tail is < 1 or > 1000)
            {
                await ApiError.WriteAsync(context, 400, ErrorCodes.InvalidInput, "tail must be a whole number from 1 to 1000.");
                return;
            }
            // Each feed entry is one append: the last N entries start at the N-th append from the end. (A narrowed key
            // then sees those of them in its workflows.)
            if (context.Request.Query["offset"].ToString() is "" or StreamOffset.Beginning)
            {
                hooks = hooks with { Start = engine.StartOfLastAppends(RunStreams.FeedPath, tail) };
            }
        }
        await StreamReadEndpoint.HandleAsync(context, engine, options.Value, RunStreams.FeedPath, hooks);
    }

    /// <summary>A key limited to some workflows sees only their runs in the feed.</summary>
    private static MessageTransform ScopedFeed(Caller caller) => (message, end) =>
    {
        using var document = JsonDocument.Parse(message);
        return document.RootElement.TryGetProperty("workflowId", out var workflow) && caller.Sees(workflow.GetString() ?? "")
            ? RunStreams.WithFeedOffset(message, end)
            : ReadOnlyMemory<byte>.Empty;
    };

    /// <summary>
    /// The offset from which at most <paramref name="tail"/> events remain. Runs hold thousands of events, not
    /// millions, so the positions are read once from the start.
    /// </summary>
    private static StreamOffset TailStart(DurableStreamEngine engine, string path, int tail)
    {
        var ends = new List<long> { 0 };
        var offset = StreamOffset.Zero;
        while (true)
        {
            var read = engine.Read(path, offset, new ReadLimits(MaxBytes: 8 * 1024 * 1024, MaxMessages: 50_000));
            if (read.Status != StreamStatus.Ok)
            {
                return StreamOffset.Zero;
            }
            ends.AddRange(read.MessageEnds);
            if (read.UpToDate)
            {
                break;
            }
            offset = read.Next;
        }
        // ends[k] is where event k starts; the last `tail` events start at ends[count - tail].
        var count = ends.Count - 1;
        return new StreamOffset(ends[Math.Max(0, count - tail)]);
    }
}
