using System.Text;
using Dashboard.Streams.Core;
using Dashboard.Streams.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Streams.Tests;

/// <summary>Two instances (each its own store, engine, notifier and change relay) sharing one PostgreSQL database.</summary>
public sealed class PostgreSqlInstancesTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private async Task<DurableStreamEngine> InstanceAsync(string connectionString)
    {
        var store = new PostgreSqlStreamStore(connectionString);
        var notifier = new StreamNotifier();
        var relay = new PostgreSqlChangeRelay(store.DataSource, notifier, NullLogger.Instance);
        _owned.Add(relay);
        _owned.Add(new Disposing(store));
        await relay.Listening.WaitAsync(TimeSpan.FromSeconds(20), Token);
        return new DurableStreamEngine(store, notifier, TimeProvider.System);
    }

    private static ReadOnlyMemory<byte> Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static StreamResult Append(DurableStreamEngine engine, string body, ProducerClaim? producer = null) =>
        engine.Append(new AppendRequest { Path = "/s", ContentType = "application/json", Body = Utf8(body), Producer = producer });

    private static string ReadAll(DurableStreamEngine engine) => Encoding.UTF8.GetString(engine.Read("/s", StreamOffset.Zero).Body());

    [Fact]
    public async Task AReaderOnOneInstance_WakesWhenAnotherAppends()
    {
        var database = postgres.NewDatabase();
        var a = await InstanceAsync(database);
        var b = await InstanceAsync(database);
        a.Create(new CreateStreamRequest { Path = "/s", ContentType = "application/json" });
        var tail = b.Head("/s").NextOffset!.Value;
        var waiting = b.WaitAsync("/s", tail, TimeSpan.FromSeconds(60), null, Token);

        Append(a, """{"from":"a"}""");

        // Woken by the notification, well before the 60-second long-poll would end by itself.
        var read = await waiting.WaitAsync(TimeSpan.FromSeconds(15), Token);
        Assert.Equal("""[{"from":"a"}]""", Encoding.UTF8.GetString(read.Body()));
    }

    [Fact]
    public async Task ABatchResentToAnotherInstance_IsStoredOnce()
    {
        var database = postgres.NewDatabase();
        var a = await InstanceAsync(database);
        var b = await InstanceAsync(database);
        a.Create(new CreateStreamRequest { Path = "/s", ContentType = "application/json" });

        Assert.Equal(StreamStatus.Ok, Append(a, "[1]", new ProducerClaim("engine", 0, 0)).Status);
        var resent = Append(b, "[1]", new ProducerClaim("engine", 0, 0));
        var next = Append(b, "[2]", new ProducerClaim("engine", 0, 1));

        Assert.True(resent.Duplicate);
        Assert.Equal(StreamStatus.Ok, next.Status);
        Assert.Equal("[1,2]", ReadAll(a));
    }

    [Fact]
    public async Task AppendsFromBothInstancesAtOnce_AreAllStored_AtDistinctOffsets()
    {
        var database = postgres.NewDatabase();
        var a = await InstanceAsync(database);
        var b = await InstanceAsync(database);
        a.Create(new CreateStreamRequest { Path = "/s", ContentType = "application/json" });

        var offsets = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => Task.Run(() => Append(i % 2 == 0 ? a : b, $"[{i}]").NextOffset!.Value, Token)));

        Assert.Equal(60, offsets.Distinct().Count());
        var values = System.Text.Json.JsonSerializer.Deserialize<int[]>(ReadAll(b))!;
        Assert.Equal(Enumerable.Range(0, 60), values.Order());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }
    }

    private sealed class Disposing(IDisposable inner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
