using System.Runtime.CompilerServices;
using System.Text.Json;
using Dashboard.Client.Errors;
using Dashboard.Model.Runs;

namespace Dashboard.Client;

/// <summary>
/// Follows a Durable Stream from an offset, by long-poll or server-sent events: yields each JSON item once, in order,
/// resuming from the last offset after a dropped connection or a service restart (with backoff), until the stream
/// closes or the caller stops.
/// </summary>
internal static class StreamFollower
{
    /// <summary>One read of the stream from an offset: <c>live</c> is <c>long-poll</c> or <c>sse</c>.</summary>
    public delegate Task<HttpResponseMessage> Request(string offset, string live, string? cursor, CancellationToken cancellationToken);

    public static async IAsyncEnumerable<(JsonElement Item, string Offset)> FollowAsync(
        Request request, string startOffset, string offsetField, LiveOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var offset = startOffset;
        string? cursor = null;
        string? lastYielded = null;
        var failures = 0;
        var backoff = options.InitialBackoff;
        while (true)
        {
            // A caller that stops gets OperationCanceledException, whenever it stops (also between two reads), as from
            // any cancelled enumeration: never a quiet end that looks like a closed stream.
            cancellationToken.ThrowIfCancellationRequested();
            var connection = options.Transport == LiveTransport.ServerSentEvents
                ? SseBatchesAsync(request, offset, cursor, cancellationToken)
                : LongPollAsync(request, offset, cursor, options, cancellationToken);
            await using var batches = connection.GetAsyncEnumerator(cancellationToken);
            var received = false;
            while (true)
            {
                Batch batch;
                try
                {
                    if (!await batches.MoveNextAsync().ConfigureAwait(false))
                    {
                        if (!received)
                        {
                            // A connection that ended before its first batch (a proxy closing event streams, say) is a
                            // failure to back off from, not a reason to reconnect at once, again and again.
                            throw new ApiConnectionException("The live connection closed before sending anything.");
                        }
                        break;
                    }
                    received = true;
                    batch = batches.Current;
                    failures = 0;
                    backoff = options.InitialBackoff;
                }
                catch (Exception ex) when (ApiErrorMapper.IsTransient(ex) && !cancellationToken.IsCancellationRequested)
                {
                    failures++;
                    if (options.MaxConsecutiveFailures is { } max && failures >= max)
                    {
                        throw;
                    }
                    var wait = ex is RateLimitedException { RetryAfter: { } retryAfter } ? retryAfter : backoff;
                    backoff = TimeSpan.FromMilliseconds(Math.Min(options.MaxBackoff.TotalMilliseconds, backoff.TotalMilliseconds * 2));
                    await Task.Delay(wait + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 50)), cancellationToken).ConfigureAwait(false);
                    break;
                }

                foreach (var item in batch.Items)
                {
                    var itemOffset = item.TryGetProperty(offsetField, out var value) ? value.GetString() : null;
                    // Offsets sort as strings: anything at or before the last one yielded was seen already.
                    if (!EventOffset.IsNew(itemOffset, lastYielded))
                    {
                        continue;
                    }
                    lastYielded = itemOffset ?? lastYielded;
                    yield return (item, itemOffset ?? batch.NextOffset);
                }
                offset = batch.NextOffset;
                cursor = batch.Cursor ?? cursor;
                if (batch.Closed)
                {
                    yield break;
                }
            }
        }
    }

    private static async IAsyncEnumerable<Batch> LongPollAsync(Request request, string offset, string? cursor, LiveOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return await ReadAsync(request, offset, cursor, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One SSE connection: each <c>data</c> event's items, released when the <c>control</c> event that follows gives
    /// their next offset (the server writes the two together). Ends when the server recycles the connection.
    /// </summary>
    private static async IAsyncEnumerable<Batch> SseBatchesAsync(Request request, string offset, string? cursor, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await request(offset, "sse", cursor, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ApiErrorMapper.Map(ex, cancellationToken) is { } mapped && mapped != ex)
        {
            throw mapped;
        }
        using (response)
        {
            if (await ApiErrorMapper.FromResponseAsync(response, cancellationToken).ConfigureAwait(false) is { } error)
            {
                throw error;
            }
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), System.Text.Encoding.UTF8);
            var items = new List<JsonElement>();
            string? kind = null;
            var data = new System.Text.StringBuilder();
            while (true)
            {
                string? line;
                try
                {
                    line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
                {
                    throw new ApiConnectionException("The live connection dropped.", ex);
                }
                if (line is null)
                {
                    yield break;
                }
                if (line.Length > 0)
                {
                    if (line.StartsWith("event:", StringComparison.Ordinal))
                    {
                        kind = line[6..].Trim();
                    }
                    else if (line.StartsWith("data:", StringComparison.Ordinal))
                    {
                        data.Append(data.Length > 0 ? "\n" : "").Append(line.AsSpan(line.Length > 5 && line[5] == ' ' ? 6 : 5));
                    }
                    // Comments (heartbeats) and unknown fields are skipped, as the SSE format says.
                    continue;
                }
                if (kind == "data" && data.Length > 0)
                {
                    using var document = JsonDocument.Parse(data.ToString());
                    items.AddRange(document.RootElement.EnumerateArray().Select(e => e.Clone()));
                }
                else if (kind == "control" && data.Length > 0)
                {
                    using var control = JsonDocument.Parse(data.ToString());
                    var root = control.RootElement;
                    var next = root.TryGetProperty("streamNextOffset", out var n) ? n.GetString() ?? offset : offset;
                    var nextCursor = root.TryGetProperty("streamCursor", out var c) ? c.GetString() : null;
                    var closed = root.TryGetProperty("streamClosed", out var x) && x.ValueKind == JsonValueKind.True;
                    yield return new Batch(items, next, nextCursor, closed);
                    items = [];
                    offset = next;
                }
                kind = null;
                data.Clear();
            }
        }
    }

    private sealed record Batch(IReadOnlyList<JsonElement> Items, string NextOffset, string? Cursor, bool Closed);

    private static async Task<Batch> ReadAsync(Request request, string offset, string? cursor, LiveOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.LongPollTimeout);
        HttpResponseMessage response;
        try
        {
            response = await request(offset, "long-poll", cursor, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ApiErrorMapper.Map(ex, cancellationToken) is { } mapped && mapped != ex)
        {
            throw mapped;
        }
        using (response)
        {
            if (await ApiErrorMapper.FromResponseAsync(response, cancellationToken).ConfigureAwait(false) is { } error)
            {
                throw error;
            }
            var next = Header(response, "Stream-Next-Offset") ?? offset;
            var closed = Header(response, "Stream-Closed") == "true";
            var nextCursor = Header(response, "Stream-Cursor");
            if ((int)response.StatusCode == 204)
            {
                return new Batch([], next, nextCursor, closed);
            }
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            using var document = JsonDocument.Parse(body);
            var items = document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
            return new Batch(items, next, nextCursor, closed);
        }
    }

    internal static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
