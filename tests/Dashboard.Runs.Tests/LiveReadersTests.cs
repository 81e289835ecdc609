using System.Net;
using System.Text;
using Dashboard.Testing;

namespace Dashboard.Runs.Tests;

/// <summary>
/// Readers waiting at a stream's tail on a real service, on each store: many woken by one append (they share one read),
/// and a server-sent-events reader across heartbeats (it waits on the change it took before its last read, and still
/// renews a stream's TTL as its reads always did).
/// </summary>
public sealed class LiveReadersTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<AppProcess> StartAsync(string store) =>
        await AppProcess.StartAsync("Dashboard.Runs",
            [.. await Stores.ArgumentsAsync(store), "--Streams:SseHeartbeatMs", "100", "--Streams:LongPollTimeoutMs", "30000", "--Logging:LogLevel:Default", "Warning"]);

    private static async Task AppendAsync(HttpClient http, string path, string json, bool close = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (close)
        {
            request.Headers.Add("Stream-Closed", "true");
        }
        using var response = await http.SendAsync(request, Token);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Token));
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task ManyLongPollsAtTheTail_EachGetTheAppend(string store)
    {
        await using var service = await StartAsync(store);
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var path = $"v1/stream/many-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync(path, new StringContent("", Encoding.UTF8, "application/json"), Token)).StatusCode);
        await AppendAsync(http, path, """[{"n":0}]""");
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path), Token);
        var tail = head.Headers.GetValues("Stream-Next-Offset").Single();

        // Most park before the append and are woken together; any that arrive after it read the append straight away.
        var readers = Enumerable.Range(0, 40).Select(async _ =>
        {
            using var response = await http.GetAsync($"{path}?offset={Uri.EscapeDataString(tail)}&live=long-poll", Token);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(Token), response.Headers.GetValues("Stream-Next-Offset").Single());
        }).ToList();
        await AppendAsync(http, path, """[{"n":1,"text":"<script>x</script>"}]""");
        using var after = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path), Token);
        var next = after.Headers.GetValues("Stream-Next-Offset").Single();

        var answers = await Task.WhenAll(readers);
        Assert.All(answers, a => Assert.Equal((200, """[{"n":1,"text":"<script>x</script>"}]""", next), a));
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AnSseReader_GetsEachAppendOnce_AcrossHeartbeats(string store)
    {
        await using var service = await StartAsync(store);
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        var path = $"v1/stream/sse-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsync(path, new StringContent("", Encoding.UTF8, "application/json"), Token)).StatusCode);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        using var response = await http.GetAsync($"{path}?offset=-1&live=sse", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var data = new List<string>();
        var heartbeats = 0;

        async Task ReadUntilAsync(Func<bool> done)
        {
            var inData = false;
            while (!done() && await lines.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line == "event: data")
                {
                    inData = true;
                }
                else if (inData && line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Add(line["data:".Length..]);
                    inData = false;
                }
                else if (line.StartsWith(": heartbeat", StringComparison.Ordinal))
                {
                    heartbeats++;
                }
            }
        }

        // An append the reader is woken for, then heartbeats while nothing changes (each a wait on the same change, no
        // new read), then appends again: each arrives once, in order, and the close ends the stream.
        await AppendAsync(http, path, """[{"n":1}]""");
        await ReadUntilAsync(() => data.Count == 1);
        await ReadUntilAsync(() => heartbeats >= 3);
        await AppendAsync(http, path, """[{"n":2}]""");
        await ReadUntilAsync(() => data.Count == 2);
        var beforeQuiet = heartbeats;
        await ReadUntilAsync(() => heartbeats >= beforeQuiet + 2);
        await AppendAsync(http, path, """[{"n":3}]""", close: true);
        await ReadUntilAsync(() => false);

        Assert.Equal(["""[{"n":1}]""", """[{"n":2}]""", """[{"n":3}]"""], data);
    }

    [Fact]
    public async Task AnSseReaderAtTheTail_KeepsAStreamWithATtlAlive()
    {
        await using var service = await StartAsync("sqlite");
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        var path = $"v1/stream/ttl-{Guid.NewGuid():N}";
        using var create = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent("", Encoding.UTF8, "application/json") };
        create.Headers.Add("Stream-TTL", "2");
        Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(create, Token)).StatusCode);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        using var response = await http.GetAsync($"{path}?offset=-1&live=sse", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));

        // Thirty heartbeats (three seconds and more) without an append: longer than the TTL, which the reader renews.
        var heartbeats = 0;
        while (heartbeats < 30 && await lines.ReadLineAsync(timeout.Token) is { } line)
        {
            heartbeats += line.StartsWith(": heartbeat", StringComparison.Ordinal) ? 1 : 0;
        }

        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path), Token);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
    }
}
