using System.Text;
using Dashboard.Streams.Core;
using Microsoft.Data.Sqlite;

namespace Dashboard.Streams.Tests;

/// <summary>
/// The SQLite store keeps its read connections open with their statements prepared, lending one to each read. What a
/// reader relies on: every read sees what was committed before it (a kept connection is not a stale snapshot), reads
/// at once each get their own answer, and idle readers hold nothing that keeps the write-ahead log from being emptied.
/// </summary>
public sealed class SqliteReadersTests : IDisposable
{
    private readonly TempStore _temp = new();

    private DurableStreamEngine Engine => _temp.Engine;

    public void Dispose() => _temp.Dispose();

    private static ReadOnlyMemory<byte> Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private void Append(string path, string body) =>
        Assert.Equal(StreamStatus.NoContent, Engine.Append(new AppendRequest { Path = path, ContentType = "application/json", Body = Utf8(body) }).Status);

    private List<string> Messages(string path) =>
        [.. Engine.Read(path, StreamOffset.Zero).Messages.Select(message => Encoding.UTF8.GetString(message.Span))];

    [Fact]
    public void EachRead_SeesEveryAppendCommittedBeforeIt_OnTheSameKeptConnection()
    {
        Engine.Create(new CreateStreamRequest { Path = "/s", ContentType = "application/json" });
        var tail = _temp.Store.Find("/s")!.Tail;
        for (var i = 0; i < 20; i++)
        {
            Append("/s", $$"""{"n":{{i}}}""");
            // One read at a time: the same kept reader answers each, so a snapshot held across reads would miss the append.
            var messages = Messages("/s");
            Assert.Equal(i + 1, messages.Count);
            Assert.Equal($$"""{"n":{{i}}}""", messages[^1]);
            var record = _temp.Store.Find("/s")!;
            Assert.True(record.Tail > tail);
            tail = record.Tail;
        }
    }

    [Fact]
    public async Task ReadsAtOnce_EachGetTheirOwnStream()
    {
        for (var s = 0; s < 24; s++)
        {
            Engine.Create(new CreateStreamRequest { Path = $"/s{s}", ContentType = "application/json" });
            for (var i = 0; i <= s; i++)
            {
                Append($"/s{s}", $$"""{"s":{{s}},"n":{{i}}}""");
            }
        }

        // More readers at once than the store keeps idle, several rounds, so readers are opened, kept, dropped and lent again.
        var reads = Enumerable.Range(0, 96).Select(k => Task.Run(() =>
        {
            var s = k % 24;
            return (s, messages: Messages($"/s{s}"));
        }, TestContext.Current.CancellationToken));
        foreach (var (s, messages) in await Task.WhenAll(reads))
        {
            Assert.Equal(Enumerable.Range(0, s + 1).Select(i => $$"""{"s":{{s}},"n":{{i}}}"""), messages);
        }
    }

    [Fact]
    public void IdleReaders_DoNotKeepTheLogFromBeingEmptied()
    {
        Engine.Create(new CreateStreamRequest { Path = "/s", ContentType = "application/json" });
        for (var i = 0; i < 50; i++)
        {
            Append("/s", $$"""{"n":{{i}}}""");
            Assert.NotEmpty(Messages("/s"));
            Assert.NotNull(_temp.Store.Find("/s"));
        }

        // A kept reader whose statement was left open would hold a read transaction: the checkpoint would report busy
        // and the log could not be truncated.
        using var connection = new SqliteConnection($"Data Source={_temp.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal(0L, reader.GetInt64(0));
        Assert.Equal(0L, new FileInfo(_temp.DatabasePath + "-wal").Length);
    }
}
