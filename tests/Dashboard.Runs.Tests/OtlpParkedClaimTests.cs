using System.Text.Json.Nodes;
using Dashboard.Runs.Access;
using Dashboard.Runs.Otlp;
using Dashboard.Runs.Otlp.Wire;
using Dashboard.Runs.Storage;
using Dashboard.Streams.Storage;

namespace Dashboard.Runs.Tests;

/// <summary>
/// Records a stopped instance parked are taken back by another, which offers them as they wait with it, in the
/// transaction that takes them: there is no moment at which they are in neither table (a kill then lost them).
/// </summary>
public sealed class OtlpParkedClaimTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("parked-claim-").FullName;
    private readonly SqliteStreamStore _store;
    private readonly SqliteSearchFile _search;
    private readonly SqliteRunsDatabase _database;

    public OtlpParkedClaimTests()
    {
        _store = new SqliteStreamStore(Path.Combine(_directory, "runs.db"));
        _search = new SqliteSearchFile(_store);
        _database = new SqliteRunsDatabase(_store, _search);
        _database.Write(transaction =>
        {
            OtlpSchema.Ensure((Microsoft.Data.Sqlite.SqliteConnection)transaction.Connection!, (Microsoft.Data.Sqlite.SqliteTransaction)transaction);
            return 0;
        });
    }

    private static List<OtlpLogHold.Waiting> Waiting(params string[] messages) =>
        new OtlpLogHold(TimeProvider.System, TimeSpan.FromSeconds(60)).Stamp(
            messages.Select(m => new OtlpLogRecord("trace-1", "span-1", null, DateTimeOffset.UtcNow, "info", m, new Dictionary<string, JsonNode?>(), $"otel:log:trace-1:{m}")),
            new Caller("engine", new HashSet<string> { Caller.IngestScope }, null));

    [Fact]
    public void AClaimThatCannotOfferWhatItTakes_TakesNothing()
    {
        var parked = new OtlpParkedLogs(_database);
        parked.Park(Waiting("first", "second"));

        Assert.Throws<InvalidOperationException>(() => parked.Claim(100, (_, _) => throw new InvalidOperationException("the offers' write failed")));

        Assert.True(parked.Any());
        var (claimed, unreadable) = parked.Claim(100, (transaction, items) => OtlpContentOffers.OfferIn(transaction, items));
        Assert.Equal(["first", "second"], claimed.Select(w => w.Record.Message));
        Assert.Equal(0, unreadable);
        Assert.False(parked.Any());
        // Offered in the same commit: an instance that takes orphans finds both (offered "since" they began to wait).
        var offers = new OtlpContentOffers(_database, Microsoft.Extensions.Logging.Abstractions.NullLogger<OtlpContentOffers>.Instance);
        Assert.Equal(["first", "second"], offers.ClaimOrphans(DateTimeOffset.UtcNow.AddMinutes(1), 100).Select(w => w.Record.Message));
    }

    public void Dispose()
    {
        _search.Dispose();
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
