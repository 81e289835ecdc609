using System.Reflection;
using System.Text.Json;
using Refit;

namespace Dashboard.Client;

/// <summary>
/// Reads a response body into one array of its own size and deserialises it from there. The stock serializer reads the
/// stream through buffers rented from the shared array pool, doubling until a whole JSON value fits: for a 5 MB step
/// output that is buffers of 16 KB up to 8 MB, which the pool then keeps per thread (about 30 MB for each thread that
/// happened to read one). Read this way the only lasting cost of a payload is its own JsonElement.
/// </summary>
internal sealed class UnpooledJsonContentSerializer(JsonSerializerOptions options) : IHttpContentSerializer
{
    private readonly SystemTextJsonContentSerializer _writer = new(options);

    public HttpContent ToHttpContent<T>(T item) => _writer.ToHttpContent(item);

    public string? GetFieldNameForProperty(PropertyInfo propertyInfo) => _writer.GetFieldNameForProperty(propertyInfo);

    public async Task<T?> FromHttpContentAsync<T>(HttpContent content, CancellationToken cancellationToken = default)
    {
        var body = await ReadBodyAsync(content, cancellationToken);
        return body.Length == 0 ? default : JsonSerializer.Deserialize<T>(body.Span, options);
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        // The length is the body's own only when it is not encoded (a decompressing handler reads more than it says).
        if (content.Headers.ContentLength is { } length and <= int.MaxValue && content.Headers.ContentEncoding.Count == 0)
        {
            var exact = new byte[length];
            await stream.ReadExactlyAsync(exact, cancellationToken);
            return exact;
        }
        // No length (chunked): a stream of plain arrays, which become garbage as it grows instead of staying in a pool.
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy, cancellationToken);
        return copy.GetBuffer().AsMemory(0, (int)copy.Length);
    }
}
