using System.Runtime.CompilerServices;
using System.Text.Json;
using Dashboard.Client.Errors;

namespace Dashboard.Client;

/// <summary>
/// Follows a Durable Stream by long-poll from an offset: yields each JSON item once, in order, resuming from the last
/// offset after a dropped connection or a service restart (with backoff), until the stream closes or the caller stops.
/// </summary>
internal static class StreamFollower
{
    public delegate Task<HttpResponseMessage> Request(string offset, string? cursor, CancellationToken cancellationToken);

    public static async IAsyncEnumerable<(JsonElement Item, string Offset)> FollowAsync(
        Request request, string startOffset, string offsetField, LiveOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var offset = startOffset;
        string? cursor = null;
        string? lastYielded = null;
        var failures = 0;
        var backoff = options.InitialBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            Batch? batch;
            try
            {
                batch = await ReadAsync(request, offset, cursor, options, cancellationToken).ConfigureAwait(false);
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
                continue;
            }

            foreach (var item in batch.Items)
            {
                var itemOffset = item.TryGetProperty(offsetField, out var value) ? value.GetString() : null;
                // Offsets sort as strings: anything at or before the last one yielded was seen already.
                if (itemOffset is not null && lastYielded is not null && string.CompareOrdinal(itemOffset, lastYielded) <= 0)
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

    private sealed record Batch(IReadOnlyList<JsonElement> Items, string NextOffset, string? Cursor, bool Closed);

    private static async Task<Batch> ReadAsync(Request request, string offset, string? cursor, LiveOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.LongPollTimeout);
        HttpResponseMessage response;
        try
        {
            response = await request(offset, cursor, timeout.Token).ConfigureAwait(false);
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
